package dev.tokentrail.agent.fingerprint;

import static dev.tokentrail.agent.genai.GenAiKeys.*;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import java.lang.reflect.Method;

/**
 * Reads attributes back from the current span, to tell a GenAI span from any other. Code injected
 * into the application sees the agent's spans only through the API, which cannot read attributes;
 * the agent's SDK span also implements {@code ReadableSpan}, whose {@code getAttribute} is reached by
 * reflection (once per span class).
 */
public final class RecordingGenAiSpan {
  private static final ClassValue<Method> GET_ATTRIBUTE = new ClassValue<Method>() {
    @Override
    protected Method computeValue(Class<?> type) {
      return findGetAttribute(type);
    }
  };

  private RecordingGenAiSpan() {}

  /**
   * Whether {@code span} records and is one LLM call: {@code gen_ai.operation.name} is a call
   * operation, not an agent, tool or workflow around calls.
   */
  public static boolean isGenAi(Span span) {
    return span.isRecording() && isCall(attribute(span, OPERATION));
  }

  /** The attribute's value on {@code span}, or null when unset or not readable. */
  public static <T> T attribute(Span span, AttributeKey<T> key) {
    Method getAttribute = GET_ATTRIBUTE.get(span.getClass());
    if (getAttribute == null) {
      return null;
    }
    try {
      @SuppressWarnings("unchecked")
      T value = (T) getAttribute.invoke(span, key);
      return value;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** {@code getAttribute(AttributeKey)} of a public interface the class implements, if any. */
  private static Method findGetAttribute(Class<?> type) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      for (Class<?> iface : c.getInterfaces()) {
        Method m = publicGetAttribute(iface);
        if (m != null) {
          return m;
        }
      }
    }
    return null;
  }

  private static Method publicGetAttribute(Class<?> iface) {
    if (!java.lang.reflect.Modifier.isPublic(iface.getModifiers())) {
      return null;
    }
    try {
      return iface.getMethod("getAttribute", AttributeKey.class);
    } catch (NoSuchMethodException e) {
      for (Class<?> parent : iface.getInterfaces()) {
        Method m = publicGetAttribute(parent);
        if (m != null) {
          return m;
        }
      }
      return null;
    }
  }
}
