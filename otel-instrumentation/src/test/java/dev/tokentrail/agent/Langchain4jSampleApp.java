package dev.tokentrail.agent;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Scope;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A service using the real LangChain4j {@code OpenAiChatModel}, run in a child JVM with the
 * OpenTelemetry agent and the TokenTrail extension attached: two questions sharing a system prompt
 * (the first rate-limited once and retried by LangChain4j inside {@code doChat}), and one call that
 * fails for good (400, which LangChain4j does not retry); then the first question again, streamed.
 */
public final class Langchain4jSampleApp {
  private Langchain4jSampleApp() {}

  public static void main(String[] args) throws Exception {
    String baseUrl = args[0];
    ChatModel model = OpenAiChatModel.builder().baseUrl(baseUrl + "/v1").apiKey("test")
        .modelName("gpt-4o-mini").temperature(0.2).topP(0.9).maxTokens(256).maxRetries(2).build();
    ChatModel failing = OpenAiChatModel.builder().baseUrl(baseUrl + "/failing/v1").apiKey("test")
        .modelName("gpt-4o-mini").temperature(0.2).topP(0.9).maxTokens(256).maxRetries(1).build();
    StreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(baseUrl + "/v1").apiKey("test")
        .modelName("gpt-4o-mini").temperature(0.2).topP(0.9).maxTokens(256).build();
    SystemMessage system = SystemMessage.from("You are a support triage bot. Answer with one word.");
    Baggage baggage = Baggage.current().toBuilder().put("team", "support").put("feature", "triage").build();
    try (Scope ignored = baggage.makeCurrent()) {
      ChatResponse first = model.chat(ChatRequest.builder()
          .messages(system, UserMessage.from("Classify: my invoice is wrong")).build());
      System.out.println("first: " + first.id() + " " + first.aiMessage().text());

      ChatResponse second = model.chat(ChatRequest.builder()
          .messages(system, UserMessage.from("Classify: my parcel is late")).build());
      System.out.println("second: " + second.id() + " " + second.aiMessage().text());

      try {
        failing.chat(ChatRequest.builder().messages(system, UserMessage.from("Classify: my invoice is wrong")).build());
        System.out.println("failing: no error");
      } catch (RuntimeException e) {
        System.out.println("failing: " + e.getClass().getSimpleName());
      }

      StringBuilder text = new StringBuilder();
      CompletableFuture<ChatResponse> done = new CompletableFuture<>();
      streaming.chat(ChatRequest.builder().messages(system, UserMessage.from("Classify: my invoice is wrong")).build(),
          new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
              text.append(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
              done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
              done.completeExceptionally(error);
            }
          });
      ChatResponse streamed = done.get(30, TimeUnit.SECONDS);
      System.out.println("streamed: " + streamed.id() + " " + text);
    }
    // The agent's shutdown hook flushes the spans.
    System.exit(0);
  }
}
