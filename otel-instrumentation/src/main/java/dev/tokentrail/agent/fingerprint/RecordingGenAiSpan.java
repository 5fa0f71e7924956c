package dev.tokentrail.agent.fingerprint;

import static dev.tokentrail.agent.genai.GenAiKeys.*;

import dev.tokentrail.agent.genai.PublicMethods;
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
      return PublicMethods.find(type, "getAttribute", AttributeKey.class);
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
}
