package dev.tokentrail.agent.langchain4j;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.tokentrail.agent.genai.PublicMethods;
import io.opentelemetry.context.Context;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The span of one streaming call, ended once, by whichever comes first: the model's {@code
 * onCompleteResponse} or {@code onError} to its handler, the application cancelling the stream from
 * a partial callback, or an exception out of {@code doChat}.
 *
 * <p>The handler the model gets is a dynamic proxy of {@code StreamingChatResponseHandler} that
 * forwards every method to the application's handler, so callbacks this extension does not know
 * (the interface gains default methods from release to release) still reach the application's own
 * implementations instead of the interface defaults.
 */
public final class StreamingSpan implements InvocationHandler {
  /** A partial callback's context's {@code streamingHandle()}, and the handle's {@code isCancelled()}: found once per class. */
  private static final ClassValue<Method> STREAMING_HANDLE = new ClassValue<Method>() {
    @Override
    protected Method computeValue(Class<?> type) {
      return PublicMethods.find(type, "streamingHandle");
    }
  };
  private static final ClassValue<Method> IS_CANCELLED = new ClassValue<Method>() {
    @Override
    protected Method computeValue(Class<?> type) {
      return PublicMethods.find(type, "isCancelled");
    }
  };

  private final Context context;
  private final StreamingChatResponseHandler delegate;
  private final StreamingChatResponseHandler proxy;
  private final AtomicBoolean ended = new AtomicBoolean();

  private StreamingSpan(Context context, StreamingChatResponseHandler delegate) {
    this.context = context;
    this.delegate = delegate;
    this.proxy = (StreamingChatResponseHandler) Proxy.newProxyInstance(
        StreamingChatResponseHandler.class.getClassLoader(), new Class<?>[] {StreamingChatResponseHandler.class}, this);
  }

  /** The span of {@code context}, reported to through {@link #handler()}. */
  public static StreamingSpan create(Context context, StreamingChatResponseHandler delegate) {
    return new StreamingSpan(context, delegate);
  }

  /** The handler to give the model in place of the application's. */
  public StreamingChatResponseHandler handler() {
    return proxy;
  }

  /** Ends the span, the first time only. */
  public void end(ChatResponse response, Throwable error) {
    if (ended.compareAndSet(false, true)) {
      try {
        Langchain4jTracing.end(context, response, error);
      } catch (RuntimeException | LinkageError e) {
        // Never disturb the application's stream.
      }
    }
  }

  @Override
  public Object invoke(Object self, Method method, Object[] args) throws Throwable {
    if (method.getDeclaringClass() == Object.class) {
      switch (method.getName()) {
        case "equals": return self == args[0];
        case "hashCode": return System.identityHashCode(self);
        default: return "StreamingSpan(" + delegate + ")";
      }
    }
    int arity = args == null ? 0 : args.length;
    // The span ends before the application's callback runs, which may go on to call the model again.
    if (arity == 1 && "onCompleteResponse".equals(method.getName())) {
      end(args[0] instanceof ChatResponse ? (ChatResponse) args[0] : null, null);
    } else if (arity == 1 && "onError".equals(method.getName()) && args[0] instanceof Throwable) {
      end(null, (Throwable) args[0]);
    }
    try {
      return method.invoke(delegate, args);
    } catch (InvocationTargetException e) {
      throw e.getCause(); // the application's own exception, unchanged
    } finally {
      // A stream the application cancels from a partial callback never completes: end it here.
      if (arity == 2 && !ended.get() && method.getName().startsWith("onPartial") && cancelled(args[1])) {
        end(null, new CancellationException("the application cancelled the stream"));
      }
    }
  }

  /**
   * Whether a partial callback's context (1.x releases with {@code StreamingHandle}) says the
   * stream was cancelled; false on releases without one.
   */
  static boolean cancelled(Object partialContext) {
    if (partialContext == null) {
      return false;
    }
    try {
      Method streamingHandle = STREAMING_HANDLE.get(partialContext.getClass());
      Object handle = streamingHandle == null ? null : streamingHandle.invoke(partialContext);
      Method isCancelled = handle == null ? null : IS_CANCELLED.get(handle.getClass());
      return isCancelled != null && Boolean.TRUE.equals(isCancelled.invoke(handle));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }
}
