package dev.tokentrail.otlp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.tokentrail.model.Ids;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.util.Base64;

/**
 * OTLP/JSON as the OTLP specification defines it: protobuf JSON mapping, except that trace and
 * span ids are hex strings rather than base64. Ids are rewritten to base64 before the standard
 * protobuf JSON parser reads the document.
 */
public final class OtlpJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  private OtlpJson() {}

  /** Thrown for a body that is not OTLP/JSON; the message says where and why. */
  public static final class MalformedJsonException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedJsonException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public static ExportTraceServiceRequest parseTraces(byte[] json) throws MalformedJsonException {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (IOException e) {
      throw new MalformedJsonException("invalid JSON: " + firstLine(e), e);
    }
    if (root == null || !root.isObject()) {
      throw new MalformedJsonException("invalid OTLP/JSON: expected an object with resourceSpans", null);
    }
    JsonNode resourceSpans = field(root, "resourceSpans", "resource_spans");
    if (resourceSpans != null && resourceSpans.isArray()) {
      for (JsonNode rs : resourceSpans) {
        JsonNode scopeSpans = field(rs, "scopeSpans", "scope_spans");
        if (scopeSpans == null || !scopeSpans.isArray()) {
          continue;
        }
        for (JsonNode ss : scopeSpans) {
          JsonNode spans = field(ss, "spans", "spans");
          if (spans == null || !spans.isArray()) {
            continue;
          }
          for (JsonNode span : spans) {
            if (span instanceof ObjectNode object) {
              hexToBase64(object, "traceId", "trace_id");
              hexToBase64(object, "spanId", "span_id");
              hexToBase64(object, "parentSpanId", "parent_span_id");
              JsonNode links = object.get("links");
              if (links != null && links.isArray()) {
                for (JsonNode link : links) {
                  if (link instanceof ObjectNode linkObject) {
                    hexToBase64(linkObject, "traceId", "trace_id");
                    hexToBase64(linkObject, "spanId", "span_id");
                  }
                }
              }
            }
          }
        }
      }
    }
    ExportTraceServiceRequest.Builder builder = ExportTraceServiceRequest.newBuilder();
    try {
      PARSER.merge(MAPPER.writeValueAsString(root), builder);
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      throw new MalformedJsonException("invalid OTLP/JSON: " + firstLine(e), e);
    }
    return builder.build();
  }

  private static JsonNode field(JsonNode node, String camel, String snake) {
    JsonNode value = node.get(camel);
    return value != null ? value : node.get(snake);
  }

  private static void hexToBase64(ObjectNode node, String camel, String snake) {
    String key = node.has(camel) ? camel : snake;
    JsonNode value = node.get(key);
    if (value == null || !value.isTextual()) {
      return;
    }
    String text = value.asText();
    if (text.isEmpty()) {
      node.remove(key);
      return;
    }
    byte[] bytes;
    try {
      bytes = Ids.fromHex(text);
    } catch (IllegalArgumentException e) {
      // Not hex: leave it for the protobuf parser, which reports it with the field name.
      return;
    }
    node.put(key, Base64.getEncoder().encodeToString(bytes));
  }

  private static String firstLine(Exception e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
