package dev.tokentrail.agent.fingerprint;

import static dev.tokentrail.agent.genai.GenAiKeys.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import java.io.IOException;
import java.util.Map;

/**
 * Fingerprints a provider request from the JSON body an SDK sends, onto the GenAI span that is
 * current while it sends it. Uses the application's Jackson, which the instrumented SDKs depend on.
 */
public final class JsonRequestFingerprints {
  /** Larger bodies (files, images inline) are not parsed: the cost would be the application's. */
  public static final long MAX_BODY_BYTES = 4L << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private JsonRequestFingerprints() {}

  /**
   * Whether a body of this type and length should be read for {@code span}: a GenAI span not yet
   * fingerprinted (an SDK retry sends the same body again), a JSON body of known and bounded size,
   * and the extension on.
   */
  public static boolean wanted(Span span, String contentType, long contentLength) {
    return contentType != null && contentType.contains("json") && contentLength >= 0 && contentLength <= MAX_BODY_BYTES
        && FingerprintSettings.get() != null && RecordingGenAiSpan.isGenAi(span)
        && RecordingGenAiSpan.attribute(span, REQUEST_HASH) == null;
  }

  /** Puts the fingerprints of {@code body} on {@code span}; a body that is not a JSON object is skipped. */
  public static void record(Span span, byte[] body) {
    FingerprintSettings settings = FingerprintSettings.get();
    if (settings == null) {
      return;
    }
    Object tree;
    try {
      tree = JSON.readValue(body, Object.class);
    } catch (IOException e) {
      return; // Not JSON after all: nothing to fingerprint.
    }
    if (!(tree instanceof Map)) {
      return;
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> request = (Map<String, Object>) tree;
    RequestFingerprint fingerprint = RequestFingerprint.of(request, settings.salt());
    span.setAttribute(REQUEST_HASH, fingerprint.requestHash());
    if (fingerprint.prefixHash() != null) {
      span.setAttribute(PREFIX_HASH, fingerprint.prefixHash());
      span.setAttribute(PREFIX_TOKENS, fingerprint.prefixTokens());
    }
    Object messages = request.get("messages");
    if (settings.captureContent() && messages != null && RecordingGenAiSpan.attribute(span, INPUT_MESSAGES) == null) {
      StringBuilder json = new StringBuilder();
      RequestFingerprint.appendCanonical(json, messages);
      span.setAttribute(INPUT_MESSAGES, json.toString());
    }
  }
}
