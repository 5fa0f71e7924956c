package dev.tokentrail.agent.langchain4j;

import dev.langchain4j.model.output.TokenUsage;
import dev.tokentrail.agent.genai.PublicMethods;
import java.lang.reflect.Method;
import java.util.Locale;

/**
 * A LangChain4j {@code TokenUsage} in OTel GenAI semantics: input includes cache reads and writes,
 * output includes reasoning. The cache and reasoning detail lives in provider subclasses that the
 * extension must not depend on, so it is read by accessor name, once resolved per usage class:
 *
 * <ul>
 *   <li>{@code OpenAiTokenUsage}: {@code inputTokensDetails().cachedTokens()} and {@code
 *       outputTokensDetails().reasoningTokens()}; OpenAI's prompt tokens already include the cached
 *       ones, and its completion tokens the reasoning ones.
 *   <li>{@code AnthropicTokenUsage}: {@code cacheReadInputTokens()} and {@code
 *       cacheCreationInputTokens()}; Anthropic's input tokens exclude both, so they are added.
 * </ul>
 *
 * An accessor missing in some release just leaves its count unknown (null).
 */
final class UsageCounts {
  private static final ClassValue<Accessors> ACCESSORS = new ClassValue<Accessors>() {
    @Override
    protected Accessors computeValue(Class<?> type) {
      return new Accessors(type);
    }
  };

  final Long input;
  final Long output;
  final Long cacheRead;
  final Long cacheWrite;
  final Long reasoning;

  private UsageCounts(Long input, Long output, Long cacheRead, Long cacheWrite, Long reasoning) {
    this.input = input;
    this.output = output;
    this.cacheRead = cacheRead;
    this.cacheWrite = cacheWrite;
    this.reasoning = reasoning;
  }

  static UsageCounts of(TokenUsage usage) {
    Long input = toLong(usage.inputTokenCount());
    Long output = toLong(usage.outputTokenCount());
    Accessors a = ACCESSORS.get(usage.getClass());
    Long cacheRead = null;
    Long cacheWrite = null;
    Long reasoning = null;
    if (a.inputDetails != null) {
      cacheRead = toLong(call(a.cachedTokens, call(a.inputDetails, usage)));
    }
    if (a.outputDetails != null) {
      reasoning = toLong(call(a.reasoningTokens, call(a.outputDetails, usage)));
    }
    if (a.cacheRead != null || a.cacheCreation != null) {
      cacheRead = toLong(call(a.cacheRead, usage));
      cacheWrite = toLong(call(a.cacheCreation, usage));
      if (a.cacheExcludedFromInput && input != null) {
        input = input + (cacheRead == null ? 0 : cacheRead) + (cacheWrite == null ? 0 : cacheWrite);
      }
    }
    return new UsageCounts(input, output, cacheRead, cacheWrite, reasoning);
  }

  private static Object call(Method method, Object target) {
    if (method == null || target == null) {
      return null;
    }
    try {
      return method.invoke(target);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null;
    }
  }

  private static Long toLong(Object value) {
    return value instanceof Number ? ((Number) value).longValue() : null;
  }

  /** The detail accessors a usage class has (public no-argument methods), null where it has none. */
  static final class Accessors {
    final Method inputDetails;
    final Method cachedTokens;
    final Method outputDetails;
    final Method reasoningTokens;
    final Method cacheRead;
    final Method cacheCreation;
    /** Anthropic counts cache reads and writes beside its input tokens, not inside them. */
    final boolean cacheExcludedFromInput;

    Accessors(Class<?> type) {
      inputDetails = accessor(type, "inputTokensDetails");
      cachedTokens = inputDetails == null ? null : accessor(inputDetails.getReturnType(), "cachedTokens");
      outputDetails = accessor(type, "outputTokensDetails");
      reasoningTokens = outputDetails == null ? null : accessor(outputDetails.getReturnType(), "reasoningTokens");
      cacheRead = accessor(type, "cacheReadInputTokens");
      cacheCreation = accessor(type, "cacheCreationInputTokens");
      cacheExcludedFromInput = type.getName().toLowerCase(Locale.ROOT).contains("anthropic");
    }

    private static Method accessor(Class<?> type, String name) {
      return PublicMethods.find(type, name);
    }
  }
}
