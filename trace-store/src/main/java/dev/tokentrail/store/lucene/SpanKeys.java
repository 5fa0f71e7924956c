package dev.tokentrail.store.lucene;

import dev.tokentrail.model.Span;
import dev.tokentrail.store.Tenants;
import java.nio.charset.StandardCharsets;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.BytesRefBuilder;

/**
 * Identities in the index. A span is identified by (tenant, trace id, span id) and a trace rollup
 * by (tenant, trace id): the raw 16-byte trace id and 8-byte span id, prefixed with the tenant's
 * UTF-8 bytes for every tenant but {@link Tenants#DEFAULT}, whose keys are the bare ids (as written
 * before the store kept tenants apart, so existing data keeps its identity). The ids are fixed
 * length, so a key longer than them carries a tenant.
 */
final class SpanKeys {
  private SpanKeys() {}

  /** The tenant prefix of keys: empty for the default tenant. */
  static byte[] tenantPrefix(String tenant) {
    return Tenants.DEFAULT.equals(tenant) ? new byte[0] : tenant.getBytes(StandardCharsets.UTF_8);
  }

  /** The span's key: tenant prefix, trace id, span id. */
  static BytesRef spanKeyBytes(String tenant, Span span) {
    byte[] prefix = tenantPrefix(tenant);
    byte[] key = new byte[prefix.length + 24];
    System.arraycopy(prefix, 0, key, 0, prefix.length);
    writeLong(key, prefix.length, hexLong(span.traceId(), 0));
    writeLong(key, prefix.length + 8, hexLong(span.traceId(), 16));
    writeLong(key, prefix.length + 16, hexLong(span.spanId(), 0));
    return new BytesRef(key);
  }

  /** The span's key as {@link #spanKeyBytes} makes it, written into {@code out}'s reused buffer. */
  static BytesRef spanKey(String tenant, Span span, BytesRefBuilder out) {
    if (Tenants.DEFAULT.equals(tenant)) {
      out.clear();
    } else {
      out.copyChars(tenant);
    }
    int at = out.length();
    out.grow(at + 24);
    writeLong(out.bytes(), at, hexLong(span.traceId(), 0));
    writeLong(out.bytes(), at + 8, hexLong(span.traceId(), 16));
    writeLong(out.bytes(), at + 16, hexLong(span.spanId(), 0));
    out.setLength(at + 24);
    return out.get();
  }

  /** The rollup's key: tenant prefix, trace id. */
  static BytesRef rollupKeyBytes(String tenant, String traceId) {
    byte[] prefix = tenantPrefix(tenant);
    byte[] key = new byte[prefix.length + 16];
    System.arraycopy(prefix, 0, key, 0, prefix.length);
    writeLong(key, prefix.length, hexLong(traceId, 0));
    writeLong(key, prefix.length + 8, hexLong(traceId, 16));
    return new BytesRef(key);
  }

  /** Writes the 16 bytes of a 32-digit hex trace id into {@code out}. */
  static void traceIdBytes(String traceId, byte[] out) {
    writeLong(out, 0, hexLong(traceId, 0));
    writeLong(out, 8, hexLong(traceId, 16));
  }

  /** The first dedup hash of a span of {@code tenant}. */
  static long hash1(String tenant, Span span) {
    return SpanKeyFilter.hash1(tenant.hashCode(), hexLong(span.traceId(), 0), hexLong(span.traceId(), 16), hexLong(span.spanId(), 0));
  }

  /** The first dedup hash of a key made by {@link #spanKeyBytes}. */
  static long hash1(BytesRef key) {
    int prefix = key.length - 24;
    String tenant = prefix == 0 ? Tenants.DEFAULT : new String(key.bytes, key.offset, prefix, StandardCharsets.UTF_8);
    int at = key.offset + prefix;
    return SpanKeyFilter.hash1(tenant.hashCode(), readLong(key.bytes, at), readLong(key.bytes, at + 8), readLong(key.bytes, at + 16));
  }

  /** 16 hex digits from {@code from} as a long (big-endian); missing digits read as 0. */
  static long hexLong(String hex, int from) {
    long v = 0;
    for (int i = from; i < from + 16; i++) {
      v = (v << 4) | (i < hex.length() ? Character.digit(hex.charAt(i), 16) & 0xF : 0);
    }
    return v;
  }

  private static void writeLong(byte[] out, int at, long v) {
    for (int i = 7; i >= 0; i--) {
      out[at + i] = (byte) v;
      v >>>= 8;
    }
  }

  private static long readLong(byte[] in, int at) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (in[at + i] & 0xFF);
    }
    return v;
  }
}
