package dev.tokentrail.agent;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.AnthropicClientAsync;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClientAsync;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Scope;

/**
 * A service using the real anthropic-java SDK, run in a child JVM with the OpenTelemetry agent and
 * the TokenTrail extension attached: one blocking call (rate-limited once, retried by the SDK), one
 * async call, one streamed call, and one call that fails for good (529, no retries), on clients with
 * the SDK's own tracing off; and one call on a client with it on (the SDK's default).
 */
public final class AnthropicSampleApp {
  private AnthropicSampleApp() {}

  public static void main(String[] args) {
    String baseUrl = args[0];
    MessageCreateParams params = MessageCreateParams.builder()
        .model("claude-sonnet-4-5").maxTokens(256).addUserMessage("Classify: my invoice is wrong").build();
    // The SDK's own tracing off: TokenTrail's instrumentation makes the GenAI spans.
    AnthropicClient client = AnthropicOkHttpClient.builder().apiKey("test").baseUrl(baseUrl).maxRetries(2).openTelemetry(false).build();
    AnthropicClientAsync async =
        AnthropicOkHttpClientAsync.builder().apiKey("test").baseUrl(baseUrl).maxRetries(2).openTelemetry(false).build();
    AnthropicClient failing =
        AnthropicOkHttpClient.builder().apiKey("test").baseUrl(baseUrl + "/failing").maxRetries(0).openTelemetry(false).build();
    // The SDK's own tracing as it comes (on): its span is the only GenAI span of the call.
    AnthropicClient selfTraced = AnthropicOkHttpClient.builder().apiKey("test").baseUrl(baseUrl).build();
    Baggage baggage = Baggage.current().toBuilder().put("team", "support").build();
    try (Scope ignored = baggage.makeCurrent()) {
      Message blocking = client.messages().create(params);
      System.out.println("blocking: " + blocking.id() + " " + text(blocking));

      Message viaAsync = async.messages().create(params).join();
      System.out.println("async: " + viaAsync.id() + " " + text(viaAsync));

      StringBuilder streamed = new StringBuilder();
      try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
        stream.stream().forEach(event -> event.contentBlockDelta()
            .ifPresent(delta -> delta.delta().text().ifPresent(t -> streamed.append(t.text()))));
      }
      System.out.println("streamed: " + streamed);

      try {
        failing.messages().create(params);
        System.out.println("failing: no error");
      } catch (AnthropicServiceException e) {
        System.out.println("failing: " + e.statusCode() + " " + e.getClass().getSimpleName());
      }

      Message selfTracedAnswer = selfTraced.messages().create(params);
      System.out.println("self-traced: " + selfTracedAnswer.id() + " " + text(selfTracedAnswer));
    } finally {
      client.close();
      async.close();
      failing.close();
      selfTraced.close();
    }
    // OkHttp's dispatcher threads linger for a minute; the agent's shutdown hook flushes the spans.
    System.exit(0);
  }

  private static String text(Message message) {
    return message.content().get(0).text().map(t -> t.text()).orElse("");
  }
}
