package dev.tokentrail.agent.fingerprint;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import com.openai.core.http.HttpRequest;
import com.openai.core.http.HttpRequestBody;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.javaagent.bootstrap.Java8BytecodeBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.io.ByteArrayOutputStream;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/** {@code com.openai.client.okhttp.OkHttpClient.execute/executeAsync(HttpRequest, RequestOptions)}. */
public final class OpenAiHttpInstrumentation implements TypeInstrumentation {
  static final String TYPE = "com.openai.client.okhttp.OkHttpClient";

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(TYPE);
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        namedOneOf("execute", "executeAsync").and(takesArgument(0, named("com.openai.core.http.HttpRequest"))),
        OpenAiHttpInstrumentation.class.getName() + "$ExecuteAdvice");
  }

  @SuppressWarnings("unused")
  public static class ExecuteAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(@Advice.Argument(0) HttpRequest request) {
      HttpRequestBody body = request.body();
      if (body == null || !body.repeatable()) {
        return;
      }
      Span span = Java8BytecodeBridge.currentSpan();
      if (!JsonRequestFingerprints.wanted(span, body.contentType(), body.contentLength())) {
        return;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(body.contentLength() > 0 ? (int) body.contentLength() : 1024);
      body.writeTo(out);
      JsonRequestFingerprints.record(span, out.toByteArray());
    }
  }
}
