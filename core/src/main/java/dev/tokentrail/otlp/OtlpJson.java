package dev.tokentrail.otlp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.math.BigInteger;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
  private static final JsonFactory FACTORY = new JsonFactory();

  private OtlpJson() {}

  /** Thrown for a body that is not OTLP/JSON; the message says where and why. */
  public static final class MalformedJsonException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedJsonException(String message, Throwable cause) {
      super(message, cause, false, false);
    }
  }

  public static ExportTraceServiceRequest parseTraces(byte[] json) throws MalformedJsonException {
    ExportTraceServiceRequest.Builder builder = ExportTraceServiceRequest.newBuilder();
    try (JsonParser parser = FACTORY.createParser(json)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        throw new MalformedJsonException("invalid JSON: empty body", null);
      }
      if (first != JsonToken.START_OBJECT) {
        parser.skipChildren();
        parser.nextToken(); // a syntax error after the value is still "invalid JSON"
        throw new MalformedJsonException("invalid OTLP/JSON: expected an object with resourceSpans", null);
      }
      new Decoder(parser).message(builder);
      if (parser.nextToken() != null) {
        throw new MalformedJsonException(
            "invalid JSON: unexpected " + parser.currentToken() + " after the document", null);
      }
    } catch (JsonProcessingException e) {
      throw new MalformedJsonException("invalid JSON: " + firstLine(e), null);
    } catch (IOException e) {
      throw new MalformedJsonException("invalid JSON: " + firstLine(e), null);
    }
    return builder.build();
  }

  /**
   * Reads the protobuf JSON mapping straight from the token stream into message builders, field by
   * field through the descriptors: no tree, no JSON string, no second parser. OTLP's rules on top:
   * ids are hex, enum names must exist, strings lose lone surrogates.
   */
  private static final class Decoder {
    private final JsonParser p;
    /** Where the decoder is, for error messages only: field names and list indexes (-1: none). */
    private String[] names = new String[16];
    private int[] indexes = new int[16];
    private int depth;

    Decoder(JsonParser p) {
      this.p = p;
    }

    private void enter(String name) {
      if (depth == names.length) {
        names = java.util.Arrays.copyOf(names, depth * 2);
        indexes = java.util.Arrays.copyOf(indexes, depth * 2);
      }
      names[depth] = name;
      indexes[depth] = -1;
      depth++;
    }

    private void leave() {
      depth--;
    }

    /** The path to the current field, e.g. {@code resourceSpans[0].scopeSpans[1].spans[2].traceId}. */
    private String path() {
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < depth; i++) {
        if (i > 0) {
          out.append('.');
        }
        out.append(names[i]);
        if (indexes[i] >= 0) {
          out.append('[').append(indexes[i]).append(']');
        }
      }
      return out.toString();
    }

    /** Fields of the object whose START_OBJECT is the current token, up to its END_OBJECT. */
    void message(Message.Builder builder) throws IOException, MalformedJsonException {
      Map<String, FieldDescriptor> fields = fieldsOf(builder.getDescriptorForType());
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        FieldDescriptor field = fields.get(name);
        if (field == null) {
          p.skipChildren(); // unknown fields are ignored, as the OTLP receivers must
          continue;
        }
        if (value == JsonToken.VALUE_NULL) {
          continue;
        }
        enter(field.getJsonName());
        if (field.isRepeated()) {
          if (value != JsonToken.START_ARRAY) {
            throw invalid("expected: a list");
          }
          for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
            indexes[depth - 1] = i;
            if (p.currentToken() == JsonToken.VALUE_NULL) {
              continue;
            }
            Object element = value(builder, field);
            if (element != null) {
              builder.addRepeatedField(field, element);
            }
          }
        } else {
          Object single = value(builder, field);
          if (single != null) {
            builder.setField(field, single);
          }
        }
        leave();
      }
    }

    /** The value at the current token for {@code field}; null to leave the field unset. */
    private Object value(Message.Builder parent, FieldDescriptor field)
        throws IOException, MalformedJsonException {
      JsonToken t = p.currentToken();
      switch (field.getJavaType()) {
        case MESSAGE -> {
          if (t != JsonToken.START_OBJECT) {
            throw invalid("expected: an object");
          }
          Message.Builder child = parent.newBuilderForField(field);
          message(child);
          return child.build();
        }
        case STRING -> {
          if (!t.isScalarValue()) {
            throw invalid("expected: a string");
          }
          String text = p.getText();
          String fixed = withoutLoneSurrogates(text);
          return fixed == null ? text : fixed;
        }
        case BYTE_STRING -> {
          if (t != JsonToken.VALUE_STRING) {
            throw invalid("expected: " + (HEX_IDS.contains(field.getName()) ? "a hex string" : "a base64 string"));
          }
          if (HEX_IDS.contains(field.getName())) {
            // Straight from the parser's buffer to the id bytes: no String for the hex.
            int length = p.getTextLength();
            if (length == 0) {
              return null;
            }
            byte[] bytes = asciiHex(p.getTextCharacters(), p.getTextOffset(), length);
            if (bytes == null) {
              throw new MalformedJsonException("invalid OTLP/JSON: " + path() + ": \"" + abbreviate(p.getText())
                  + "\" (expected: hex digits 0-9a-f, an even number of them; OTLP/JSON ids are hex, not base64)", null);
            }
            return UnsafeByteOperations.unsafeWrap(bytes);
          }
          String text = p.getText();
          try {
            return ByteString.copyFrom(text.indexOf('-') >= 0 || text.indexOf('_') >= 0
                ? Base64.getUrlDecoder().decode(text) : Base64.getDecoder().decode(text));
          } catch (IllegalArgumentException e) {
            throw invalid("expected: base64");
          }
        }
        case ENUM -> {
          EnumDescriptor type = field.getEnumType();
          if (t == JsonToken.VALUE_NUMBER_INT) {
            return type.findValueByNumberCreatingIfUnknown(p.getIntValue());
          }
          if (t == JsonToken.VALUE_STRING) {
            String text = p.getText();
            EnumValueDescriptor named = type.findValueByName(text);
            if (named != null) {
              return named;
            }
            if (isAsciiDigits(text, 10)) {
              try {
                return type.findValueByNumberCreatingIfUnknown(Integer.parseInt(text));
              } catch (NumberFormatException beyondInt) {
                // digits but no int: the error below
              }
            }
            throw new MalformedJsonException("invalid OTLP/JSON: " + path() + ": \"" + abbreviate(text)
                + "\" (expected: an integer or one of " + type.getValues().stream().map(v -> v.getName()).toList() + ")",
                null);
          }
          throw invalid("expected: an enum name or integer");
        }
        case BOOLEAN -> {
          if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
            return t == JsonToken.VALUE_TRUE;
          }
          if (t == JsonToken.VALUE_STRING && ("true".equals(p.getText()) || "false".equals(p.getText()))) {
            return Boolean.parseBoolean(p.getText());
          }
          throw invalid("expected: true or false");
        }
        case INT, LONG -> {
          return integer(field);
        }
        case FLOAT, DOUBLE -> {
          double d;
          if (t.isNumeric()) {
            d = p.getDoubleValue();
          } else if (t == JsonToken.VALUE_STRING) {
            try {
              d = Double.parseDouble(p.getText());
            } catch (NumberFormatException e) {
              throw invalid("expected: a number");
            }
          } else {
            throw invalid("expected: a number");
          }
          return field.getJavaType() == FieldDescriptor.JavaType.FLOAT ? (Object) (float) d : (Object) d;
        }
      }
      throw invalid("unsupported field type " + field.getType());
    }

    /** Integers as JSON numbers or strings (int64s usually come as strings), range-checked. */
    private Object integer(FieldDescriptor field) throws IOException, MalformedJsonException {
      JsonToken t = p.currentToken();
      boolean unsigned = switch (field.getType()) {
        case UINT32, FIXED32, UINT64, FIXED64 -> true;
        default -> false;
      };
      boolean wide = field.getJavaType() == FieldDescriptor.JavaType.LONG;
      // Fast path: what fits a long, without BigInteger.
      if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
        return checked(p.getLongValue(), unsigned, wide);
      }
      if (t == JsonToken.VALUE_STRING) {
        // int64s (every timestamp) come as 19-digit strings: parse them as longs when they fit.
        String text = p.getText();
        if (isAsciiDigits(text, 19)) {
          try {
            return checked(Long.parseLong(text), unsigned, wide);
          } catch (NumberFormatException beyondLong) {
            // above 2^63-1 (an unsigned fixed64): the exact path below
          }
        }
      }
      BigInteger v;
      try {
        if (t == JsonToken.VALUE_NUMBER_INT) {
          v = p.getBigIntegerValue();
        } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
          v = p.getDecimalValue().toBigIntegerExact();
        } else if (t == JsonToken.VALUE_STRING) {
          v = new java.math.BigDecimal(p.getText().trim()).toBigIntegerExact();
        } else {
          throw invalid("expected: an integer");
        }
      } catch (ArithmeticException | NumberFormatException e) {
        throw invalid("expected: an integer");
      }
      BigInteger min = unsigned ? BigInteger.ZERO : wide ? LONG_MIN : INT_MIN;
      BigInteger max = unsigned ? (wide ? ULONG_MAX : UINT_MAX) : wide ? LONG_MAX : INT_MAX;
      if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
        throw invalid("out of range for " + field.getType().name().toLowerCase(java.util.Locale.ROOT));
      }
      return wide ? (Object) v.longValue() : (Object) v.intValue();
    }

    private Object checked(long v, boolean unsigned, boolean wide) throws IOException, MalformedJsonException {
      long min = unsigned ? 0 : wide ? Long.MIN_VALUE : Integer.MIN_VALUE;
      long max = wide ? Long.MAX_VALUE : unsigned ? 0xFFFF_FFFFL : Integer.MAX_VALUE;
      if (v < min || v > max) {
        throw invalid("out of range");
      }
      return wide ? (Object) v : (Object) (int) v;
    }

    private MalformedJsonException invalid(String expected) throws IOException {
      String found = p.currentToken() == JsonToken.VALUE_STRING
          ? "\"" + abbreviate(p.getText()) + "\""
          : String.valueOf(p.currentToken());
      return new MalformedJsonException("invalid OTLP/JSON: " + path() + ": " + found + " (" + expected + ")", null);
    }
  }

  private static final BigInteger INT_MIN = BigInteger.valueOf(Integer.MIN_VALUE);
  private static final BigInteger INT_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
  private static final BigInteger UINT_MAX = BigInteger.valueOf(0xFFFF_FFFFL);
  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
  private static final BigInteger ULONG_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  /** Bytes fields OTLP/JSON writes as hex: trace and span ids, wherever they occur. */
  private static final java.util.Set<String> HEX_IDS = java.util.Set.of("trace_id", "span_id", "parent_span_id");

  private static final Map<Descriptor, Map<String, FieldDescriptor>> FIELDS = new ConcurrentHashMap<>();

  /** A message's fields by their JSON (lowerCamel) and proto (snake_case) names. */
  private static Map<String, FieldDescriptor> fieldsOf(Descriptor type) {
    return FIELDS.computeIfAbsent(type, t -> {
      Map<String, FieldDescriptor> byName = new HashMap<>();
      for (FieldDescriptor f : t.getFields()) {
        byName.put(f.getName(), f);
        byName.put(f.getJsonName(), f);
      }
      return Map.copyOf(byName);
    });
  }

  /**
   * An optional minus and 1 to {@code maxDigits} ASCII digits: with 19 (10) what {@link
   * Long#parseLong} ({@link Integer#parseInt}) may take, though it may still be out of range.
   */
  private static boolean isAsciiDigits(String text, int maxDigits) {
    int start = text.startsWith("-") ? 1 : 0;
    if (text.length() == start || text.length() - start > maxDigits) {
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

  /** ASCII hex of either case to bytes, or null when it is not that. */
  private static byte[] asciiHex(char[] hex, int offset, int length) {
    if ((length & 1) != 0) {
      return null;
    }
    byte[] out = new byte[length / 2];
    for (int i = 0; i < out.length; i++) {
      int hi = hexDigit(hex[offset + i * 2]);
      int lo = hexDigit(hex[offset + i * 2 + 1]);
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
