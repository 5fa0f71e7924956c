package dev.tokentrail.otlp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/**
 * OTLP/JSON as the OTLP specification defines it: the protobuf JSON mapping, except that trace and
 * span ids are hex strings rather than base64. Stricter than the protobuf JSON parser where OTLP
 * is: ids must be hex (base64, and digits other than ASCII 0-9a-fA-F, are a 400 naming the field),
 * nothing may follow the document, and an enum given by a name must be one of the enum's names
 * (OTLP/JSON encodes enums as integers; an unknown integer is kept and decodes as unspecified).
 * Strings holding a lone UTF-16 surrogate (from a JSON {@code \ud800} escape) get U+FFFD in its
 * place, so the span can be encoded as protobuf (UTF-8) without loss of the rest of the string.
 */
public final class OtlpJson {
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final EnumDescriptor SPAN_KIND = Span.SpanKind.getDescriptor();
  private static final EnumDescriptor STATUS_CODE = Status.StatusCode.getDescriptor();

  private OtlpJson() {}

  /** Thrown for a body that is not OTLP/JSON; the message says where and why. */
  public static final class MalformedJsonException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedJsonException(String message, Throwable cause) {
      super(message, cause, false, false);
    }
  }

  public static ExportTraceServiceRequest parseTraces(byte[] json) throws MalformedJsonException {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (IOException e) {
      throw new MalformedJsonException("invalid JSON: " + firstLine(e), null);
    }
    if (root == null || !root.isObject()) {
      throw new MalformedJsonException("invalid OTLP/JSON: expected an object with resourceSpans", null);
    }
    replaceLoneSurrogates(root);
    JsonNode resourceSpans = field(root, "resourceSpans", "resource_spans");
    if (resourceSpans != null && resourceSpans.isArray()) {
      for (int r = 0; r < resourceSpans.size(); r++) {
        JsonNode scopeSpans = field(resourceSpans.get(r), "scopeSpans", "scope_spans");
        if (scopeSpans == null || !scopeSpans.isArray()) {
          continue;
        }
        for (int s = 0; s < scopeSpans.size(); s++) {
          JsonNode spans = scopeSpans.get(s).get("spans");
          if (spans == null || !spans.isArray()) {
            continue;
          }
          for (int i = 0; i < spans.size(); i++) {
            if (spans.get(i) instanceof ObjectNode span) {
              String path = "resourceSpans[" + r + "].scopeSpans[" + s + "].spans[" + i + "]";
              span(span, path);
            }
          }
        }
      }
    }
    ExportTraceServiceRequest.Builder builder = ExportTraceServiceRequest.newBuilder();
    try {
      PARSER.merge(MAPPER.writeValueAsString(root), builder);
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      throw new MalformedJsonException("invalid OTLP/JSON: " + firstLine(e), null);
    }
    return builder.build();
  }

  private static void span(ObjectNode span, String path) throws MalformedJsonException {
    hexToBase64(span, "traceId", "trace_id", path);
    hexToBase64(span, "spanId", "span_id", path);
    hexToBase64(span, "parentSpanId", "parent_span_id", path);
    checkEnum(span, "kind", SPAN_KIND, path);
    if (span.get("status") instanceof ObjectNode status) {
      checkEnum(status, "code", STATUS_CODE, path + ".status");
    }
    JsonNode links = span.get("links");
    if (links != null && links.isArray()) {
      for (int l = 0; l < links.size(); l++) {
        if (links.get(l) instanceof ObjectNode link) {
          hexToBase64(link, "traceId", "trace_id", path + ".links[" + l + "]");
          hexToBase64(link, "spanId", "span_id", path + ".links[" + l + "]");
        }
      }
    }
  }

  /**
   * An enum given as a string must be one of its names or a decimal number; an integer outside the
   * enum is left to the model, which reads it as unspecified.
   */
  private static void checkEnum(ObjectNode node, String name, EnumDescriptor type, String path)
      throws MalformedJsonException {
    JsonNode value = node.get(name);
    if (value == null || !value.isTextual()) {
      return;
    }
    String text = value.asText();
    if (type.findValueByName(text) != null || isAsciiInteger(text)) {
      return;
    }
    throw new MalformedJsonException(
        "invalid OTLP/JSON: " + path + "." + name + ": \"" + abbreviate(text) + "\" (expected: an integer or one of "
            + type.getValues().stream().map(v -> v.getName()).toList() + ")",
        null);
  }

  private static boolean isAsciiInteger(String text) {
    int start = text.startsWith("-") ? 1 : 0;
    if (text.length() == start || text.length() > 11) {
      return false;
    }
    for (int i = start; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static JsonNode field(JsonNode node, String camel, String snake) {
    JsonNode value = node.get(camel);
    return value != null ? value : node.get(snake);
  }

  /**
   * Rewrites a hex id to the base64 the protobuf parser reads. Anything but ASCII hex digits in
   * even number is a 400 naming the field: OTLP/JSON ids are hex, never base64.
   */
  private static void hexToBase64(ObjectNode node, String camel, String snake, String path)
      throws MalformedJsonException {
    String key = node.has(camel) ? camel : snake;
    JsonNode value = node.get(key);
    if (value == null || value.isNull()) {
      return;
    }
    if (!value.isTextual()) {
      throw new MalformedJsonException(
          "invalid OTLP/JSON: " + path + "." + camel + ": " + abbreviate(value.toString()) + " (expected: a hex string)",
          null);
    }
    String text = value.asText();
    if (text.isEmpty()) {
      node.remove(key);
      return;
    }
    byte[] bytes = asciiHex(text);
    if (bytes == null) {
      throw new MalformedJsonException(
          "invalid OTLP/JSON: " + path + "." + camel + ": \"" + abbreviate(text)
              + "\" (expected: hex digits 0-9a-f, an even number of them; OTLP/JSON ids are hex, not base64)",
          null);
    }
    node.put(key, Base64.getEncoder().encodeToString(bytes));
  }

  /** ASCII hex of either case to bytes, or null when it is not that. */
  private static byte[] asciiHex(String hex) {
    if ((hex.length() & 1) != 0) {
      return null;
    }
    byte[] out = new byte[hex.length() / 2];
    for (int i = 0; i < out.length; i++) {
      int hi = hexDigit(hex.charAt(i * 2));
      int lo = hexDigit(hex.charAt(i * 2 + 1));
      if (hi < 0 || lo < 0) {
        return null;
      }
      out[i] = (byte) ((hi << 4) | lo);
    }
    return out;
  }

  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /** Replaces lone surrogates in every string value of the tree (depth is bounded by Jackson). */
  private static void replaceLoneSurrogates(JsonNode node) {
    if (node instanceof ObjectNode object) {
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode value = e.getValue();
        if (value.isTextual()) {
          String fixed = withoutLoneSurrogates(value.asText());
          if (fixed != null) {
            e.setValue(TextNode.valueOf(fixed));
          }
        } else if (value.isContainerNode()) {
          replaceLoneSurrogates(value);
        }
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        JsonNode value = array.get(i);
        if (value.isTextual()) {
          String fixed = withoutLoneSurrogates(value.asText());
          if (fixed != null) {
            array.set(i, TextNode.valueOf(fixed));
          }
        } else if (value.isContainerNode()) {
          replaceLoneSurrogates(value);
        }
      }
    }
  }

  /** {@code s} with each unpaired surrogate replaced by U+FFFD, or null when it has none. */
  static String withoutLoneSurrogates(String s) {
    char[] out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!Character.isSurrogate(c)) {
        continue;
      }
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
        continue;
      }
      if (out == null) {
        out = s.toCharArray();
      }
      out[i] = '\uFFFD';
    }
    return out == null ? null : new String(out);
  }

  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }

  private static String firstLine(Exception e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
