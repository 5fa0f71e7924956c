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
      // Two questions under one system prompt: different requests, one shared prefix.
      for (String question : new String[] {"my invoice is wrong", "my parcel is late"}) {
        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
            .model("gpt-4o")
            .addSystemMessage("Classify the ticket as billing, shipping or other.")
            .addUserMessage(question)
            .build());
        System.out.println("answer: " + completion.choices().get(0).message().content().orElse(""));
      }
    }
  }
}
