package dev.tokentrail.agent;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Scope;

/**
 * A service using the real openai-java SDK, run in a child JVM with the OpenTelemetry agent and
 * the TokenTrail extension attached. Its caller put team and feature in the baggage.
 */
public final class SampleApp {
  private SampleApp() {}

  public static void main(String[] args) {
    OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(args[0]).apiKey("test-key").maxRetries(2).build();
    Baggage baggage = Baggage.current().toBuilder().put("team", "search").put("feature", "answer-question").build();
    try (Scope ignored = baggage.makeCurrent()) {
      for (int i = 0; i < 2; i++) {
        ChatCompletion completion = client.chat().completions().create(
            ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("Classify: my invoice is wrong").build());
        System.out.println("answer: " + completion.choices().get(0).message().content().orElse(""));
      }
    }
  }
}
