package dev.tokentrail.agent.fingerprint;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The two fingerprints of an LLM request, as salted hashes so that no prompt text leaves the
 * process: {@code tokentrail.request.hash} of the normalized request (a retry re-sends the same
 * request, so its attempts share it) and {@code tokentrail.prefix.hash} of the request minus its last
 * user turn (calls that share it could share a provider-side prompt cache).
 *
 * <p>The request is a JSON-like tree ({@link Map}, {@link List}, strings, numbers, booleans, null)
 * as a provider's request body parses to. Normalizing means: object keys in sorted order, and the
 * top-level fields that do not change what the model is asked dropped ({@code stream}, {@code
 * metadata}, {@code user}, ...). The messages are the first list among {@code messages} (OpenAI chat,
 * Anthropic), {@code input} (OpenAI Responses) and {@code contents} (Gemini). The prefix keeps the
 * model, the system prompt and instructions, the tools, and the messages before the last one whose
 * role is {@code user}.
 *
 * <p>Each hash is HMAC-SHA256 keyed with the salt, truncated to 128 bits, as 32 hex digits. The
 * prefix's size in tokens is estimated, not counted (no tokenizer of every model is at hand): the
 * UTF-8 bytes of its canonical JSON divided by {@value #BYTES_PER_TOKEN}, rounded up.
 */
public final class RequestFingerprint {
  /** Top-level request fields that do not change what the model is asked. */
  private static final Set<String> IGNORED = new HashSet<>(Arrays.asList(
      "stream", "stream_options", "metadata", "user", "store", "service_tier", "safety_identifier",
      "prompt_cache_key", "prompt_cache_retention"));
  /** Top-level request fields that are part of a cacheable prefix besides the earlier messages. */
  private static final List<String> PREFIX_FIELDS = Arrays.asList(
      "model", "system", "instructions", "tools", "system_instruction", "systemInstruction");
  private static final List<String> MESSAGE_FIELDS = Arrays.asList("messages", "input", "contents");
  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final ThreadLocal<Mac> MAC = new ThreadLocal<>();
  private static final ThreadLocal<byte[]> MAC_KEY = new ThreadLocal<>();

  /** UTF-8 bytes per token of the estimate: about four for English text and JSON. */
  static final int BYTES_PER_TOKEN = 4;

  private final String requestHash;
  private final String prefixHash;
  private final long prefixTokens;

  private RequestFingerprint(String requestHash, String prefixHash, long prefixTokens) {
    this.requestHash = requestHash;
    this.prefixHash = prefixHash;
    this.prefixTokens = prefixTokens;
  }

  /** The hash of the whole normalized request. */
  public String requestHash() {
    return requestHash;
  }

  /** The hash of the request minus its last user turn; null when the request has no messages. */
  public String prefixHash() {
    return prefixHash;
  }

  /** The prefix's estimated size in tokens; -1 when there is no prefix. */
  public long prefixTokens() {
    return prefixTokens;
  }

  /**
   * Fingerprints {@code request}, a parsed request body; {@code salt} keys the hashes. Each top-level
   * field, and each message, is written out canonically once, and both hashes are fed those pieces
   * in canonical order: the prefix shares most of its text with the request.
   */
  public static RequestFingerprint of(Map<String, ?> request, byte[] salt) {
    String messagesField = null;
    List<?> messages = null;
    for (String field : MESSAGE_FIELDS) {
      Object value = request.get(field);
      if (value instanceof List) {
        messagesField = field;
        messages = (List<?>) value;
        break;
      }
    }
    StringBuilder scratch = new StringBuilder(1024);
    TreeMap<String, byte[]> fields = new TreeMap<>();
    for (Map.Entry<String, ?> e : request.entrySet()) {
      if (!IGNORED.contains(e.getKey()) && !e.getKey().equals(messagesField)) {
        scratch.setLength(0);
        appendString(scratch, e.getKey());
        scratch.append(':');
        appendCanonical(scratch, e.getValue());
        fields.put(e.getKey(), utf8(scratch));
      }
    }
    if (messages == null) {
      return new RequestFingerprint(hash(fields, null, null, 0, salt), null, -1);
    }
    byte[][] canonicalMessages = new byte[messages.size()][];
    for (int i = 0; i < canonicalMessages.length; i++) {
      scratch.setLength(0);
      appendCanonical(scratch, messages.get(i));
      canonicalMessages[i] = utf8(scratch);
    }
    String requestHash = hash(fields, messagesField, canonicalMessages, canonicalMessages.length, salt);
    TreeMap<String, byte[]> prefixFields = new TreeMap<>();
    for (String field : PREFIX_FIELDS) {
      if (request.get(field) != null && fields.containsKey(field)) {
        prefixFields.put(field, fields.get(field));
      }
    }
    int prefixMessages = lastUserTurn(messages);
    String prefixHash = hash(prefixFields, messagesField, canonicalMessages, prefixMessages, salt);
    long prefixBytes = 0;
    for (byte[] field : prefixFields.values()) {
      prefixBytes += field.length;
    }
    for (int i = 0; i < prefixMessages; i++) {
      prefixBytes += canonicalMessages[i].length;
    }
    return new RequestFingerprint(requestHash, prefixHash, (prefixBytes + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN);
  }

  private static byte[] utf8(StringBuilder text) {
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The hash of the canonical object made of {@code fields} (each {@code "key":value}) plus, under
   * {@code messagesField}, the first {@code count} canonical messages, keys in sorted order as
   * {@link #appendCanonical} writes a map; the pieces go into the MAC without being joined.
   */
  private static String hash(TreeMap<String, byte[]> fields, String messagesField, byte[][] messages, int count, byte[] salt) {
    Mac mac = mac(salt);
    mac.update((byte) '{');
    boolean first = true;
    boolean messagesDone = messagesField == null;
    for (Map.Entry<String, byte[]> field : fields.entrySet()) {
      if (!messagesDone && messagesField.compareTo(field.getKey()) < 0) {
        updateMessages(mac, messagesField, messages, count, first);
        first = false;
        messagesDone = true;
      }
      if (!first) {
        mac.update((byte) ',');
      }
      first = false;
      mac.update(field.getValue());
    }
    if (!messagesDone) {
      updateMessages(mac, messagesField, messages, count, first);
    }
    mac.update((byte) '}');
    return hex(mac.doFinal());
  }

  private static void updateMessages(Mac mac, String field, byte[][] messages, int count, boolean first) {
    StringBuilder key = new StringBuilder(first ? "" : ",");
    appendString(key, field);
    mac.update(utf8(key.append(":[")));
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        mac.update((byte) ',');
      }
      mac.update(messages[i]);
    }
    mac.update((byte) ']');
  }

  /** The index of the last message with role {@code user}; else of the last message. */
  private static int lastUserTurn(List<?> messages) {
    for (int i = messages.size() - 1; i >= 0; i--) {
      Object message = messages.get(i);
      if (message instanceof Map && "user".equals(((Map<?, ?>) message).get("role"))) {
        return i;
      }
    }
    return Math.max(0, messages.size() - 1);
  }

  /** JSON with sorted object keys: the same tree always gives the same text. */
  static void appendCanonical(StringBuilder out, Object value) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String) {
      appendString(out, (String) value);
    } else if (value instanceof Map) {
      Map<?, ?> map = (Map<?, ?>) value;
      List<String> keys = new ArrayList<>(map.size());
      for (Object key : map.keySet()) {
        keys.add(String.valueOf(key));
      }
      keys.sort(null);
      out.append('{');
      for (int i = 0; i < keys.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        appendString(out, keys.get(i));
        out.append(':');
        appendCanonical(out, map.get(keys.get(i)));
      }
      out.append('}');
    } else if (value instanceof Collection) {
      out.append('[');
      boolean first = true;
      for (Object item : (Collection<?>) value) {
        if (!first) {
          out.append(',');
        }
        first = false;
        appendCanonical(out, item);
      }
      out.append(']');
    } else if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) {
        out.append((long) d); // 1.0 and 1 are the same number in JSON
      } else {
        out.append(d);
      }
    } else {
      out.append(value); // integers, BigDecimal, booleans
    }
  }

  /** A JSON string; runs of characters that need no escaping are copied in one call. */
  private static void appendString(StringBuilder out, String s) {
    out.append('"');
    int run = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\' || c < 0x20) {
        out.append(s, run, i);
        if (c < 0x20) {
          out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
        } else {
          out.append('\\').append(c);
        }
        run = i + 1;
      }
    }
    out.append(s, run, s.length()).append('"');
  }

  private static String hex(byte[] digest) {
    char[] hex = new char[32];
    for (int i = 0; i < 16; i++) {
      hex[2 * i] = HEX[(digest[i] >> 4) & 0xf];
      hex[2 * i + 1] = HEX[digest[i] & 0xf];
    }
    return new String(hex);
  }

  /** One initialized Mac per thread and salt: creating one costs more than hashing a request. */
  private static Mac mac(byte[] salt) {
    Mac mac = MAC.get();
    if (mac == null || MAC_KEY.get() != salt) {
      try {
        mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(salt.length == 0 ? new byte[1] : salt, "HmacSHA256"));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
      }
      MAC.set(mac);
      MAC_KEY.set(salt);
    }
    return mac;
  }
}
