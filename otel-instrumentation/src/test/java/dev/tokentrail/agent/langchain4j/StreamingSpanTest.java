package dev.tokentrail.agent.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StreamingSpanTest {
  private final List<String> calls = new ArrayList<>();
  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final SdkTracerProvider tracing = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
  private final Span span = tracing.get("test").spanBuilder("chat gpt-4o-mini").startSpan();

  @AfterEach
  void closeTracing() {
    tracing.close();
  }

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
  void completionEndsTheSpanOnceWhateverFollows() {
    StreamingSpan stream = StreamingSpan.create(Context.root().with(span), application);

    stream.handler().onCompleteResponse(ChatResponse.builder().aiMessage(AiMessage.from("billing")).build());
    stream.handler().onError(new IllegalStateException("late"));
    stream.end(null, new IllegalStateException("doChat threw"));

    assertThat(exporter.getFinishedSpanItems()).singleElement()
        .satisfies(ended -> assertThat(ended.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET));
  }

  @Test
  void anErrorEndsTheSpanOnceAsAnError() {
    StreamingSpan stream = StreamingSpan.create(Context.root().with(span), application);

    stream.handler().onError(new IllegalStateException("429"));
    stream.end(null, new IllegalStateException("doChat threw"));

    assertThat(calls).containsExactly("error 429");
    assertThat(exporter.getFinishedSpanItems()).singleElement().satisfies(ended -> {
      assertThat(ended.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(ended.getStatus().getDescription()).isEqualTo("429");
    });
  }

  @Test
  void aStreamTheApplicationCancelsEndsItsSpanOnceAsCancelled() {
    StreamingChatResponseHandler handler = StreamingSpan.create(Context.root().with(span), new StreamingChatResponseHandler() {
      @Override
      public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
        calls.add("partial " + partial.text());
        context.streamingHandle().cancel();
      }

      @Override
      public void onCompleteResponse(ChatResponse response) {}

      @Override
      public void onError(Throwable error) {}
    }).handler();
    boolean[] cancelled = {false};
    StreamingHandle handle = new StreamingHandle() {
      @Override
      public void cancel() {
        cancelled[0] = true;
      }

      @Override
      public boolean isCancelled() {
        return cancelled[0];
      }
    };

    handler.onPartialResponse(new PartialResponse("bill"), new PartialResponseContext(handle));
    handler.onPartialResponse(new PartialResponse("ing"), new PartialResponseContext(handle));

    assertThat(calls).containsExactly("partial bill", "partial ing");
    assertThat(exporter.getFinishedSpanItems()).singleElement().satisfies(ended -> {
      assertThat(ended.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(ended.getAttributes().get(AttributeKey.stringKey("error.type")))
          .isEqualTo("java.util.concurrent.CancellationException");
    });
  }

  @Test
  void aContextWithoutAHandleIsNotCancelled() {
    assertThat(StreamingSpan.cancelled(null)).isFalse();
    assertThat(StreamingSpan.cancelled("not a context")).isFalse();
  }
}
