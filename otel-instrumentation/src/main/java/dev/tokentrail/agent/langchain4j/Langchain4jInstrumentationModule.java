package dev.tokentrail.agent.langchain4j;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;
import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.implementsInterface;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Instruments LangChain4j 1.x ({@code dev.langchain4j:langchain4j-core}), which the upstream agent
 * does not cover: every {@code ChatModel.doChat(ChatRequest)} of a provider module becomes a CLIENT
 * span {@code chat {model}} with the OTel GenAI attributes, and so does every {@code
 * StreamingChatModel.doChat(ChatRequest, StreamingChatResponseHandler)}, ended when the handler hears
 * the outcome. The provider's retries happen inside
 * {@code doChat}, so the agent's HTTP spans for each attempt are its children.
 *
 * <p>Provider modules that sit on an SDK the upstream agent already traces are left out, so a call
 * is never counted twice: {@code langchain4j-open-ai-official} (openai-java) and {@code
 * langchain4j-bedrock} (the AWS SDK's Bedrock Runtime).
 *
 * <p>Built with Maven, so there is no muzzle: the class-loader matcher is the only version gate, and
 * every class the advice reaches is listed in {@link #getAdditionalHelperClassNames()}. Turn it off
 * with {@code -Dotel.instrumentation.tokentrail-langchain4j.enabled=false}.
 */
public final class Langchain4jInstrumentationModule extends InstrumentationModule {
  public Langchain4jInstrumentationModule() {
    super("tokentrail-langchain4j", "tokentrail-langchain4j-1", "langchain4j");
  }

  /**
   * The implementations of {@code modelInterface}, except in the provider modules whose calls the
   * upstream agent already traces: {@code openaiofficial} (on openai-java) and {@code bedrock} (on
   * the AWS SDK's Bedrock Runtime). A second span would count those calls twice.
   */
  static ElementMatcher.Junction<TypeDescription> modelsNotTracedUpstream(String modelInterface) {
    return implementsInterface(named(modelInterface))
        .and(not(nameStartsWith("dev.langchain4j.model.openaiofficial.")))
        .and(not(nameStartsWith("dev.langchain4j.model.bedrock.")));
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    // ChatRequest and ChatModel.doChat(ChatRequest) are the 1.x API (0.x had ChatLanguageModel).
    return hasClassesNamed(ChatModelInstrumentation.CHAT_MODEL, ChatModelInstrumentation.CHAT_REQUEST);
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(new ChatModelInstrumentation(), new StreamingChatModelInstrumentation());
  }

  /** Every class the inlined advice touches, nested ones included: injected into the app's classloader. */
  @Override
  public List<String> getAdditionalHelperClassNames() {
    return Arrays.asList(
        "dev.tokentrail.agent.genai.GenAiKeys",
        "dev.tokentrail.agent.genai.PublicMethods",
        "dev.tokentrail.agent.langchain4j.Langchain4jTracing",
        "dev.tokentrail.agent.langchain4j.StreamingSpan",
        "dev.tokentrail.agent.langchain4j.StreamingSpan$1",
        "dev.tokentrail.agent.langchain4j.StreamingSpan$2",
        "dev.tokentrail.agent.langchain4j.GenAiProvider",
        "dev.tokentrail.agent.langchain4j.UsageCounts",
        "dev.tokentrail.agent.langchain4j.UsageCounts$1",
        "dev.tokentrail.agent.langchain4j.UsageCounts$Accessors",
        "dev.tokentrail.agent.langchain4j.ChatRequestTree",
        "dev.tokentrail.agent.fingerprint.RequestFingerprint",
        "dev.tokentrail.agent.fingerprint.FingerprintSettings");
  }
}
