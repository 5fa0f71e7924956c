package dev.tokentrail.agent.anthropic;

import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.RawMessageStreamEvent;
import io.opentelemetry.context.Context;
import java.util.Iterator;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A blocking {@code StreamResponse} that feeds every event to the SDK's own {@code
 * MessageAccumulator} and ends the span when the stream is exhausted, fails, or is closed.
 */
public final class TracingStreamResponse implements StreamResponse<RawMessageStreamEvent> {
  private final StreamResponse<RawMessageStreamEvent> delegate;
  private final Context context;
  private final MessageAccumulator accumulator = MessageAccumulator.create();
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile boolean accumulating = true;

  TracingStreamResponse(StreamResponse<RawMessageStreamEvent> delegate, Context context) {
    this.delegate = delegate;
    this.context = context;
  }

  @Override
  public Stream<RawMessageStreamEvent> stream() {
    Iterator<RawMessageStreamEvent> events = new TracingIterator(delegate.stream().iterator());
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(events, Spliterator.ORDERED), false)
        .onClose(this::close);
  }

  @Override
  public void close() {
    try {
      delegate.close();
    } finally {
      finish(null);
    }
  }

  void accumulate(RawMessageStreamEvent event) {
    if (!accumulating) {
      return;
    }
    try {
      accumulator.accumulate(event);
    } catch (RuntimeException e) {
      accumulating = false; // An unexpected event order: keep streaming, report what the start said.
    }
  }

  void finish(Throwable error) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    Message message = null;
    if (accumulating) {
      try {
        message = accumulator.message();
      } catch (RuntimeException e) {
        // Closed before message_stop: no complete message to report.
      }
    }
    try {
      AnthropicTracing.end(context, message, error);
    } catch (RuntimeException e) {
      // Never disturb the caller's stream.
    }
  }

  final class TracingIterator implements Iterator<RawMessageStreamEvent> {
    private final Iterator<RawMessageStreamEvent> events;

    TracingIterator(Iterator<RawMessageStreamEvent> events) {
      this.events = events;
    }

    @Override
    public boolean hasNext() {
      boolean more;
      try {
        more = events.hasNext();
      } catch (RuntimeException | Error e) {
        finish(e);
        throw e;
      }
      if (!more) {
        finish(null);
      }
      return more;
    }

    @Override
    public RawMessageStreamEvent next() {
      RawMessageStreamEvent event;
      try {
        event = events.next();
      } catch (RuntimeException | Error e) {
        finish(e);
        throw e;
      }
      accumulate(event);
      return event;
    }
  }
}
