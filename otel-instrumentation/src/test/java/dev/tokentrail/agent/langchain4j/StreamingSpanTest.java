package dev.tokentrail.agent.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import io.opentelemetry.context.Context;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamingSpanTest {
  private final List<String> calls = new ArrayList<>();

  private final StreamingChatResponseHandler application = new StreamingChatResponseHandler() {
    @Override
    public void onPartialResponse(String partial) {
      calls.add("partial " + partial);
    }

    @Override
    public void onPartialThinking(PartialThinking thinking) {
      calls.add("thinking " + thinking.text());
    }

    @Override
    public void onCompleteResponse(ChatResponse response) {
      calls.add("complete " + response.aiMessage().text());
    }

    @Override
    public void onError(Throwable error) {
      calls.add("error " + error.getMessage());
    }
  };

  @Test
  void everyCallbackReachesTheApplicationsHandler() {
    StreamingChatResponseHandler handler = StreamingSpan.create(Context.root(), application).handler();

    handler.onPartialThinking(new PartialThinking("hmm"));
    handler.onPartialResponse("bill");
    handler.onCompleteResponse(ChatResponse.builder().aiMessage(AiMessage.from("billing")).build());

    // onPartialThinking is a default method: the application's override runs, not the interface's.
    assertThat(calls).containsExactly("thinking hmm", "partial bill", "complete billing");
  }

  @Test
  void errorsReachTheApplicationsHandler() {
    StreamingChatResponseHandler handler = StreamingSpan.create(Context.root(), application).handler();

    handler.onError(new IllegalStateException("429"));

    assertThat(calls).containsExactly("error 429");
  }

  @Test
  void theApplicationsOwnExceptionComesOutUnchanged() {
    IllegalArgumentException thrown = new IllegalArgumentException("bad chunk");
    StreamingChatResponseHandler handler = StreamingSpan.create(Context.root(), new StreamingChatResponseHandler() {
      @Override
      public void onPartialResponse(String partial) {
        throw thrown;
      }

      @Override
      public void onCompleteResponse(ChatResponse response) {}

      @Override
      public void onError(Throwable error) {}
    }).handler();

    assertThatThrownBy(() -> handler.onPartialResponse("x")).isSameAs(thrown);
  }

  @Test
  void theProxyIsEqualOnlyToItself() {
    StreamingChatResponseHandler handler = StreamingSpan.create(Context.root(), application).handler();

    assertThat(handler).isEqualTo(handler).isNotEqualTo(application);
    assertThat(handler.hashCode()).isEqualTo(System.identityHashCode(handler));
  }
}
