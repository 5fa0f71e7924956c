package dev.tokentrail.agent;

import dev.tokentrail.agent.genai.GenAiKeys;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.context.Context;
import io.opentelemetry.instrumentation.api.instrumenter.AttributesExtractor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Adds to the agent's span of a Bedrock Runtime call what agent 2.33 leaves out, read from the AWS
 * SDK's own objects by reflection (this class runs in the extension's classloader, which cannot see
 * the SDK):
 *
 * <ul>
 *   <li>for {@code Converse}: the prompt-cache reads and writes from the response's {@code
 *       TokenUsage}, and {@code gen_ai.usage.input_tokens} as the OTel conventions count it, with
 *       them included. Bedrock, like Anthropic, reports {@code inputTokens} without them; the agent
 *       copies that number as is, so cached tokens went unpriced;
 *   <li>for every model call ({@code Converse}, {@code InvokeModel} and their streaming forms):
 *       {@code tokentrail.retry.attempt}, from the SDK's
 *       execution attempt. The agent makes one span per call and suppresses the HTTP spans of its
 *       attempts, so the span processor has no child spans to count.
 * </ul>
 *
 * A missing class or method (another SDK or agent release) leaves the span as the agent made it.
 * Never throws into the instrumented call.
 */
final class BedrockUsageExtractor implements AttributesExtractor<Object, Object> {
  private static final Logger LOG = Logger.getLogger(BedrockUsageExtractor.class.getName());
  private static final String SERVICE = "BedrockRuntime";
  /** The operations the agent makes GenAI spans of; other Bedrock Runtime calls are left alone. */
  private static final java.util.Set<String> MODEL_CALLS =
      java.util.Set.of("Converse", "ConverseStream", "InvokeModel", "InvokeModelWithResponseStream");
  private static final String CONVERSE_RESPONSE = "software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse";
  private static final String SDK_ATTRIBUTES = "software.amazon.awssdk.core.interceptor.SdkExecutionAttribute";
  private static final String CORE_ATTRIBUTES = "software.amazon.awssdk.core.internal.InternalCoreExecutionAttribute";

  /**
   * False when the extension is turned off ({@code otel.instrumentation.tokentrail.enabled=false} or a
   * broken catalog): the agent's spans then stay exactly as the agent made them.
   */
  static volatile boolean active = true;

  /** The SDK classes, looked up once per application classloader (normally one). */
  private final ClassValue<SdkAccess> access = new ClassValue<SdkAccess>() {
    @Override
    protected SdkAccess computeValue(Class<?> executionAttributes) {
      return SdkAccess.of(executionAttributes);
    }
  };

  @Override
  public void onStart(AttributesBuilder attributes, Context parentContext, Object request) {}

  @Override
  public void onEnd(AttributesBuilder attributes, Context context, Object request, Object response, Throwable error) {
    try {
      if (!active || request == null) {
        return;
      }
      SdkAccess sdk = access.get(request.getClass());
      if (sdk == null || !SERVICE.equals(sdk.attribute(request, sdk.serviceName))) {
        return;
      }
      Object operation = sdk.attribute(request, sdk.operationName);
      if (!(operation instanceof String) || !MODEL_CALLS.contains(operation)) {
        return;
      }
      Object attempt = sdk.attribute(request, sdk.executionAttempt);
      if (attempt instanceof Integer && (Integer) attempt >= 1) {
        attributes.put(GenAiKeys.RETRY_ATTEMPT, (long) (Integer) attempt - 1);
      }
      if (response != null) {
        addConverseUsage(attributes, sdkResponse(response));
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "tokentrail: reading a Bedrock response failed", e);
    }
  }

  /** The agent passes its own wrapper; {@code getSdkResponse()} is the SDK's response object. */
  private static Object sdkResponse(Object response) throws ReflectiveOperationException {
    Method get = response.getClass().getMethod("getSdkResponse");
    return get.invoke(response);
  }

  private static void addConverseUsage(AttributesBuilder attributes, Object sdkResponse) throws ReflectiveOperationException {
    if (sdkResponse == null || !sdkResponse.getClass().getName().equals(CONVERSE_RESPONSE)) {
      return;
    }
    Object usage = sdkResponse.getClass().getMethod("usage").invoke(sdkResponse);
    if (usage == null) {
      return;
    }
    Integer input = (Integer) usage.getClass().getMethod("inputTokens").invoke(usage);
    Integer cacheRead = (Integer) usage.getClass().getMethod("cacheReadInputTokens").invoke(usage);
    Integer cacheWrite = (Integer) usage.getClass().getMethod("cacheWriteInputTokens").invoke(usage);
    if (cacheRead != null) {
      attributes.put(GenAiKeys.CACHE_READ, (long) cacheRead);
    }
    if (cacheWrite != null) {
      attributes.put(GenAiKeys.CACHE_WRITE, (long) cacheWrite);
    }
    if (input != null) {
      long inclusive = (long) input + (cacheRead == null ? 0 : cacheRead) + (cacheWrite == null ? 0 : cacheWrite);
      attributes.put(GenAiKeys.INPUT, inclusive);
    }
  }

  /** The SDK's execution-attribute keys, from the classloader of its {@code ExecutionAttributes}. */
  static final class SdkAccess {
    final Method getAttribute;
    final Object serviceName;
    final Object operationName;
    final Object executionAttempt;

    private SdkAccess(Method getAttribute, Object serviceName, Object operationName, Object executionAttempt) {
      this.getAttribute = getAttribute;
      this.serviceName = serviceName;
      this.operationName = operationName;
      this.executionAttempt = executionAttempt;
    }

    static SdkAccess of(Class<?> executionAttributes) {
      if (!executionAttributes.getName().equals("software.amazon.awssdk.core.interceptor.ExecutionAttributes")) {
        return null;
      }
      try {
        ClassLoader loader = executionAttributes.getClassLoader();
        Class<?> key = Class.forName("software.amazon.awssdk.core.interceptor.ExecutionAttribute", false, loader);
        Method getAttribute = executionAttributes.getMethod("getAttribute", key);
        Class<?> sdkAttributes = Class.forName(SDK_ATTRIBUTES, false, loader);
        Object serviceName = staticField(sdkAttributes, "SERVICE_NAME");
        Object operationName = staticField(sdkAttributes, "OPERATION_NAME");
        Object attempt = null;
        try {
          attempt = staticField(Class.forName(CORE_ATTRIBUTES, false, loader), "EXECUTION_ATTEMPT");
        } catch (ReflectiveOperationException e) {
          // An SDK without it: no retry attempt, usage still read.
        }
        return new SdkAccess(getAttribute, serviceName, operationName, attempt);
      } catch (ReflectiveOperationException | LinkageError e) {
        LOG.log(Level.FINE, "tokentrail: AWS SDK execution attributes not readable", e);
        return null;
      }
    }

    Object attribute(Object executionAttributes, Object key) throws ReflectiveOperationException {
      return key == null ? null : getAttribute.invoke(executionAttributes, key);
    }

    private static Object staticField(Class<?> owner, String name) throws ReflectiveOperationException {
      Field field = owner.getField(name);
      return field.get(null);
    }
  }
}
