package dev.tokentrail.agent.fingerprint;

import dev.tokentrail.agent.genai.GenAiKeys;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Fingerprints recorded onto real SDK spans, read back through the reflection the agent uses. */
class JsonRequestFingerprintsTest {
  private static final String BODY = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
      + "{\"role\":\"user\",\"content\":\"my invoice is wrong\"}]}";

  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final SdkTracerProvider tracerProvider = SdkTracerProvider.builder()
      .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();

  @AfterEach
  void tearDown() {
    System.clearProperty(FingerprintSettings.SALT_PROPERTY);
    System.clearProperty(FingerprintSettings.CAPTURE_CONTENT_PROPERTY);
    System.clearProperty(FingerprintSettings.ENABLED_PROPERTY);
    System.clearProperty(FingerprintSettings.FINGERPRINTS_ENABLED_PROPERTY);
    FingerprintSettings.reload();
    tracerProvider.close();
  }

  /** Configures the agent as a user would, with system properties. */
  private static void configure(String salt, boolean captureContent) {
    if (salt == null) {
      System.clearProperty(FingerprintSettings.SALT_PROPERTY);
    } else {
      System.setProperty(FingerprintSettings.SALT_PROPERTY, salt);
    }
    System.setProperty(FingerprintSettings.CAPTURE_CONTENT_PROPERTY, Boolean.toString(captureContent));
    FingerprintSettings.reload();
  }

  private Span genAiSpan() {
    return tracerProvider.get("test").spanBuilder("chat gpt-4o").setAttribute("gen_ai.operation.name", "chat").startSpan();
  }

  private Attributes ended(Span span) {
    span.end();
    return exporter.getFinishedSpanItems().get(exporter.getFinishedSpanItems().size() - 1).getAttributes();
  }

  @Test
  void recordsBothHashesAndNoPromptTextByDefault() {
    configure("s", false);
    Span span = genAiSpan();
    assertThat(JsonRequestFingerprints.wanted(span, "application/json", BODY.length())).isTrue();
    JsonRequestFingerprints.record(span, BODY.getBytes(StandardCharsets.UTF_8));
    assertThat(JsonRequestFingerprints.wanted(span, "application/json", BODY.length()))
        .as("an SDK retry of the same call is not hashed again").isFalse();
    Attributes a = ended(span);
    assertThat(a.get(GenAiKeys.REQUEST_HASH)).matches("[0-9a-f]{32}");
    assertThat(a.get(GenAiKeys.PREFIX_HASH)).matches("[0-9a-f]{32}");
    assertThat(a.get(GenAiKeys.INPUT_MESSAGES)).isNull();
    assertThat(a.toString()).doesNotContain("invoice");
  }

  @Test
  void capturesTheMessagesOnlyWhenOptedIn() {
    configure("s", true);
    Span span = genAiSpan();
    JsonRequestFingerprints.record(span, BODY.getBytes(StandardCharsets.UTF_8));
    assertThat(ended(span).get(GenAiKeys.INPUT_MESSAGES))
        .isEqualTo("[{\"content\":\"be brief\",\"role\":\"system\"},{\"content\":\"my invoice is wrong\",\"role\":\"user\"}]");
  }

  @Test
  void onlyBoundedJsonBodiesOfGenAiSpansAreRead() {
    configure("s", false);
    Span other = tracerProvider.get("test").spanBuilder("GET /").startSpan();
    assertThat(JsonRequestFingerprints.wanted(other, "application/json", 10)).isFalse();
    other.end();
    Span span = genAiSpan();
    assertThat(JsonRequestFingerprints.wanted(span, "multipart/form-data; boundary=x", 10)).isFalse();
    assertThat(JsonRequestFingerprints.wanted(span, null, 10)).isFalse();
    assertThat(JsonRequestFingerprints.wanted(span, "application/json", JsonRequestFingerprints.MAX_BODY_BYTES + 1)).isFalse();
    assertThat(JsonRequestFingerprints.wanted(Span.getInvalid(), "application/json", 10)).isFalse();
    span.end();
  }

  @Test
  void withTheExtensionOrItsFingerprintModuleTurnedOffNothingIsFingerprinted() {
    for (String property : new String[] {FingerprintSettings.ENABLED_PROPERTY, FingerprintSettings.FINGERPRINTS_ENABLED_PROPERTY}) {
      configure("s", false);
      System.setProperty(property, "false");
      FingerprintSettings.reload();
      Span span = genAiSpan();
      assertThat(JsonRequestFingerprints.wanted(span, "application/json", 10)).as(property).isFalse();
      JsonRequestFingerprints.record(span, BODY.getBytes(StandardCharsets.UTF_8));
      assertThat(ended(span).get(GenAiKeys.REQUEST_HASH)).as(property).isNull();
      System.clearProperty(property);
    }
  }

  @Test
  void aBodyThatIsNotAJsonObjectIsSkippedQuietly() {
    configure("s", false);
    Span span = genAiSpan();
    JsonRequestFingerprints.record(span, "{not json".getBytes(StandardCharsets.UTF_8));
    JsonRequestFingerprints.record(span, "[1,2]".getBytes(StandardCharsets.UTF_8));
    assertThat(ended(span).get(AttributeKey.stringKey("tokentrail.request.hash"))).isNull();
  }

  @Test
  void aSaltNobodySetIsRandomAndStaysInTheProcess() {
    configure(null, false);
    FingerprintSettings generated = FingerprintSettings.get();
    assertThat(generated.generatedSalt()).isTrue();
    assertThat(System.getProperty(FingerprintSettings.SALT_PROPERTY)).as("never published").isNull();
    FingerprintSettings.reload();
    assertThat(FingerprintSettings.get().salt()).isNotEqualTo(generated.salt());
    configure("fleet-secret", false);
    assertThat(FingerprintSettings.get().generatedSalt()).isFalse();
    assertThat(new String(FingerprintSettings.get().salt(), StandardCharsets.UTF_8)).isEqualTo("fleet-secret");
  }

  @Test
  void onlyBodiesOfKnownLengthAreRead() {
    configure("s", false);
    Span span = genAiSpan();
    assertThat(JsonRequestFingerprints.wanted(span, "application/json", -1)).isFalse();
    span.end();
  }
}
