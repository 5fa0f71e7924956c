package dev.tokentrail.demo;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.openai.OpenAiChatModel;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.util.Random;

/**
 * A sales team on LangChain4j's {@code OpenAiChatModel}: follow-up e-mails for a handful of leads,
 * so the very same request (same system prompt, same lead) is sent again and again within minutes,
 * the duplicate-request waste a response cache would save.
 */
final class SalesOutreach {
  private static final SystemMessage STYLE =
      SystemMessage.from("You write short, friendly sales follow-up e-mails. " + "Brand voice rule. ".repeat(40));
  private final ChatModel model;
  private final Tracer tracer;
  private final Random random;

  SalesOutreach(String baseUrl, Tracer tracer, Random random) {
    this.model = OpenAiChatModel.builder().baseUrl(baseUrl).apiKey("demo-key").modelName("gpt-4o-mini")
        .maxRetries(0).build();
    this.tracer = tracer;
    this.random = random;
  }

  void draftFollowUp() {
    Baggage baggage = Baggage.current().toBuilder().put("team", "sales").put("project", "outreach")
        .put("feature", "draft-email").put("task", "draft-email").put("cost_center", "cc-sales").build();
    Span root = tracer.spanBuilder("POST /leads/follow-up").setSpanKind(SpanKind.SERVER).startSpan();
    try (Scope b = baggage.makeCurrent(); Scope s = root.makeCurrent()) {
      // Three leads: the same request comes back every few calls.
      int lead = 40 + random.nextInt(3);
      model.chat(ChatRequest.builder().messages(STYLE, UserMessage.from("Draft a follow-up e-mail for lead " + lead
          + " who asked about pricing last week.")).build());
      root.setAttribute("tokentrail.outcome", "email_drafted");
    } finally {
      root.end();
    }
  }
}
