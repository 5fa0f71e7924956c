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

  @Test
  void aStreamTheApplicationCancelsEndsItsSpanOnceAsCancelled() {
    io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter exporter = io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter.create();
    try (io.opentelemetry.sdk.trace.SdkTracerProvider tracing = io.opentelemetry.sdk.trace.SdkTracerProvider.builder()
        .addSpanProcessor(io.opentelemetry.sdk.trace.export.SimpleSpanProcessor.create(exporter)).build()) {
      io.opentelemetry.api.trace.Span span = tracing.get("test").spanBuilder("chat gpt-4o-mini").startSpan();
      StreamingChatResponseHandler handler = StreamingSpan.create(Context.root().with(span), new StreamingChatResponseHandler() {
        @Override
        public void onPartialResponse(dev.langchain4j.model.chat.response.PartialResponse partial,
            dev.langchain4j.model.chat.response.PartialResponseContext context) {
          calls.add("partial " + partial.text());
          context.streamingHandle().cancel();
        }

        @Override
        public void onCompleteResponse(ChatResponse response) {}

        @Override
        public void onError(Throwable error) {}
      }).handler();
      boolean[] cancelled = {false};
      dev.langchain4j.model.chat.response.StreamingHandle handle = new dev.langchain4j.model.chat.response.StreamingHandle() {
        @Override
        public void cancel() {
          cancelled[0] = true;
        }

        @Override
        public boolean isCancelled() {
          return cancelled[0];
        }
      };

      handler.onPartialResponse(new dev.langchain4j.model.chat.response.PartialResponse("bill"),
          new dev.langchain4j.model.chat.response.PartialResponseContext(handle));
      handler.onPartialResponse(new dev.langchain4j.model.chat.response.PartialResponse("ing"),
          new dev.langchain4j.model.chat.response.PartialResponseContext(handle));

      assertThat(calls).containsExactly("partial bill", "partial ing");
      assertThat(exporter.getFinishedSpanItems()).singleElement().satisfies(ended -> {
        assertThat(ended.getStatus().getStatusCode()).isEqualTo(io.opentelemetry.api.trace.StatusCode.ERROR);
        assertThat(ended.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("error.type")))
            .isEqualTo("java.util.concurrent.CancellationException");
      });
    }
  }

  @Test
  void aContextWithoutAHandleIsNotCancelled() {
    assertThat(StreamingSpan.cancelled(null)).isFalse();
    assertThat(StreamingSpan.cancelled("not a context")).isFalse();
  }
}
