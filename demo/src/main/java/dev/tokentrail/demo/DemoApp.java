package dev.tokentrail.demo;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.Random;

/**
 * The demo service: runs under the OpenTelemetry agent with TokenTrail's extension and makes real
 * openai-java, anthropic-java (blocking and streaming) and LangChain4j calls to in-process fake
 * providers, producing every kind of waste TokenTrail finds: application-level retries after 429s
 * and 500s (unbilled) and after answers that fail validation (billed: the provider charged for
 * them), an agent loop whose context grows turn by turn, a classifier on a frontier model beside the
 * same task on a small one (and a model the catalog does not know), long system prompts shared
 * across conversations without the provider's prompt cache, identical requests sent again within
 * minutes, reasoning tokens, cache reads and writes, and outcomes of five teams (two of them
 * resolving tickets, on different providers).
 */
public final class DemoApp {
  private final OpenAIClient client;
  private final Tracer tracer = GlobalOpenTelemetry.getTracer("tokentrail-demo");
  private final Random random = new Random(7);
  private int conversations;
  private int classifications;

  private DemoApp(String baseUrl) {
    // SDK retries off: the demo retries itself, so each attempt is its own LLM span.
    client = OpenAIOkHttpClient.builder().baseUrl(baseUrl).apiKey("demo-key").maxRetries(0).build();
  }

  public static void main(String[] args) throws Exception {
    // Milliseconds, as `tokentrail demo` passes them after validating --duration.
    Duration duration = args.length > 0 ? Duration.ofMillis(Long.parseLong(args[0])) : Duration.ofMinutes(2);
    try (FakeProvider provider = new FakeProvider()) {
      DemoApp app = new DemoApp(provider.baseUrl());
      try (PartnerSupport partners = new PartnerSupport(provider.rootUrl(), app.tracer, app.random)) {
        app.run(duration, partners, new SalesOutreach(provider.baseUrl(), app.tracer, app.random));
      }
    }
    // OkHttp's dispatcher threads linger for a minute; the agent's shutdown hook flushes the spans.
    System.exit(0);
  }

  private void run(Duration duration, PartnerSupport partners, SalesOutreach sales) throws InterruptedException {
    long end = System.nanoTime() + duration.toNanos();
    int requests = 0;
    while (System.nanoTime() < end) {
      switch (requests % 8) {
        case 0:
          supportConversation();
          break;
        case 1:
        case 2:
          classifyTicket();
          break;
        case 3:
          flakySummary();
          break;
        case 4:
          extractInvoiceFields();
          break;
        case 5:
          partners.answerTicket();
          break;
        default:
          sales.draftFollowUp();
      }
      requests++;
      Thread.sleep(150);
    }
    System.out.println("tokentrail demo: " + requests + " requests sent");
  }

  /** An agent loop: each turn re-sends the whole history, so the context grows. */
  private void supportConversation() {
    String conversation = "support-" + (++conversations);
    Baggage baggage = Baggage.current().toBuilder().put("team", "customer-care").put("project", "support-bot")
        .put("feature", "answer-question").put("task", "answer-question").put("conversation", conversation).build();
    Span root = tracer.spanBuilder("POST /support/answer").setSpanKind(SpanKind.SERVER).startSpan();
    try (Scope b = baggage.makeCurrent(); Scope s = root.makeCurrent()) {
      // A reasoning model plans the answer first (reasoning tokens, billed as output).
      client.chat().completions().create(ChatCompletionCreateParams.builder().model("o3-mini")
          .addUserMessage("Plan how to resolve ticket " + conversation).build());
      ChatCompletionCreateParams.Builder history = ChatCompletionCreateParams.builder().model("gpt-4.1")
          .addSystemMessage("You are a support agent. " + "Policy text. ".repeat(80));
      int turns = 4 + random.nextInt(3);
      for (int turn = 0; turn < turns; turn++) {
        history.addUserMessage("Customer message " + turn + ": " + "details ".repeat(40 + random.nextInt(60)));
        String answer = client.chat().completions().create(history.build()).choices().get(0).message().content().orElse("");
        history.addAssistantMessage(answer + " " + "tool output ".repeat(120));
      }
      root.setAttribute("tokentrail.outcome", random.nextInt(10) < 7 ? "ticket_resolved" : "escalated");
    } finally {
      root.end();
    }
  }

  /** A classification every model can do: mostly sent to a frontier model, sometimes to a small one. */
  private void classifyTicket() {
    Baggage baggage = Baggage.current().toBuilder().put("team", "routing").put("project", "ticket-router")
        .put("task", "classify-ticket").build();
    Span root = tracer.spanBuilder("POST /tickets/route").setSpanKind(SpanKind.SERVER).startSpan();
    try (Scope b = baggage.makeCurrent(); Scope s = root.makeCurrent()) {
      // Mostly a frontier model, sometimes a small one, and now and then a fine-tune the price
      // catalog does not know (it shows under unknown models, never priced at 0).
      String model = classifications++ % 10 == 0 ? "acme-router-v2" : random.nextInt(10) < 7 ? "gpt-4o" : "gpt-4o-mini";
      client.chat().completions().create(ChatCompletionCreateParams.builder().model(model)
          .addUserMessage("Classify this ticket as billing, bug or other: my invoice is wrong").build());
      root.setAttribute("tokentrail.outcome", "ticket_routed");
    } finally {
      root.end();
    }
  }

  /** A flaky dependency: the provider rate-limits or fails, the application retries up to 3 times. */
  private void flakySummary() {
    Baggage baggage = Baggage.current().toBuilder().put("team", "search").put("project", "summaries")
        .put("task", "summarize").build();
    Span root = tracer.spanBuilder("POST /search/summarize").setSpanKind(SpanKind.SERVER).startSpan();
    try (Scope b = baggage.makeCurrent(); Scope s = root.makeCurrent()) {
      int failures = random.nextInt(3);
      for (int attempt = 0; attempt < 4; attempt++) {
        ChatCompletionCreateParams.Builder params = ChatCompletionCreateParams.builder().model("gpt-4o")
            .addUserMessage("Summarize these results: " + "result ".repeat(300));
        if (attempt < failures) {
          params.putAdditionalHeader("x-demo-fail", random.nextBoolean() ? "429" : "500");
        }
        try {
          client.chat().completions().create(params.build());
          break;
        } catch (RuntimeException e) {
          // Retried by the application, as many services do.
        }
      }
    } catch (RuntimeException e) {
      root.setStatus(StatusCode.ERROR);
    } finally {
      root.end();
    }
  }

  /**
   * Structured extraction: the answer must be valid JSON, and when it is not, the application asks
   * again with the same request. The provider billed every answer, so the re-asks are paid waste.
   */
  private void extractInvoiceFields() {
    Baggage baggage = Baggage.current().toBuilder().put("team", "finance").put("project", "invoice-intake")
        .put("task", "extract-invoice-fields").build();
    Span root = tracer.spanBuilder("POST /invoices/extract").setSpanKind(SpanKind.SERVER).startSpan();
    try (Scope b = baggage.makeCurrent(); Scope s = root.makeCurrent()) {
      int invalidAnswers = random.nextInt(3);
      ChatCompletionCreateParams request = ChatCompletionCreateParams.builder().model("gpt-4.1")
          .addSystemMessage("Extract vendor, total and due date as JSON.")
          .addUserMessage("Invoice " + random.nextInt(1000) + ": " + "line item ".repeat(150))
          .build();
      for (int attempt = 0; attempt < 3; attempt++) {
        ChatCompletionCreateParams params = attempt < invalidAnswers
            ? request.toBuilder().putAdditionalHeader("x-demo-fail", "invalid-json").build()
            : request;
        String answer = client.chat().completions().create(params).choices().get(0).message().content().orElse("");
        if (answer.trim().endsWith("}")) {
          root.setAttribute("tokentrail.outcome", "invoice_extracted");
          break;
        }
      }
    } finally {
      root.end();
    }
  }
}
