package dev.tokentrail.demo;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.CacheControlEphemeral;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.TextBlockParam;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.util.List;
import java.util.Random;

/**
 * A second support team on the Anthropic Java SDK: each ticket is one blocking call and one
 * streamed follow-up on Claude with the same long policy as system prompt. Every other ticket marks
 * the policy for the provider's prompt cache (a cache write, then cache reads); the others send it
 * unmarked and pay it in full each time, the shared-prefix waste TokenTrail points out. Its
 * outcomes ({@code ticket_resolved}) compare with the OpenAI support team's.
 */
final class PartnerSupport implements AutoCloseable {
  /** Long enough (~1,750 tokens) to pass Claude Sonnet's minimum cacheable prefix of 1,024 tokens. */
  private static final String POLICY = "You answer partner support tickets. " + "Partner policy clause. ".repeat(300);
  private final AnthropicClient client;
  private final Tracer tracer;
  private final Random random;
  private int tickets;

  PartnerSupport(String rootUrl, Tracer tracer, Random random) {
    // The SDK's own tracing off: the extension makes the GenAI spans. Retries off, as in the OpenAI scenarios.
    this.client = AnthropicOkHttpClient.builder().baseUrl(rootUrl).apiKey("demo-key").maxRetries(0).openTelemetry(false).build();
    this.tracer = tracer;
    this.random = random;
  }

  void answerTicket() {
    int ticket = ++tickets;
    Baggage baggage = Baggage.current().toBuilder().put("team", "partner-support").put("project", "partner-portal")
        .put("feature", "answer-question").put("task", "answer-question").put("cost_center", "cc-support")
        .put("conversation", "partner-" + ticket).build();
    Span root = tracer.spanBuilder("POST /partners/answer").setSpanKind(SpanKind.SERVER).startSpan();
    try (Scope b = baggage.makeCurrent(); Scope s = root.makeCurrent()) {
      TextBlockParam.Builder policy = TextBlockParam.builder().text(POLICY);
      if (ticket % 2 == 0) {
        policy.cacheControl(CacheControlEphemeral.builder().build());
      }
      MessageCreateParams first = MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(512)
          .systemOfTextBlockParams(List.of(policy.build()))
          .addUserMessage("Partner ticket " + ticket + ": " + "order details ".repeat(20 + random.nextInt(40)))
          .build();
      Message answer = client.messages().create(first);
      // The follow-up streams, with the first answer in the history.
      MessageCreateParams followUp = first.toBuilder().addMessage(answer.toParam())
          .addUserMessage("Thanks. Can you confirm the refund timeline?").build();
      try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(followUp)) {
        stream.stream().forEach(event -> { });
      }
      root.setAttribute("tokentrail.outcome", random.nextInt(10) < 8 ? "ticket_resolved" : "escalated");
    } finally {
      root.end();
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
