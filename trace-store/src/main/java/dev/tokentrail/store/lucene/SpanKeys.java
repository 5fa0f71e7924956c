package dev.tokentrail.store.lucene;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.TraceId;
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
    span.traceId().writeTo(key, prefix.length);
    span.spanId().writeTo(key, prefix.length + 16);
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
    span.traceId().writeTo(out.bytes(), at);
    span.spanId().writeTo(out.bytes(), at + 16);
    out.setLength(at + 24);
    return out.get();
  }

  /** The rollup's key: tenant prefix, trace id. */
  static BytesRef rollupKeyBytes(String tenant, TraceId traceId) {
    byte[] prefix = tenantPrefix(tenant);
    byte[] key = new byte[prefix.length + 16];
    System.arraycopy(prefix, 0, key, 0, prefix.length);
    traceId.writeTo(key, prefix.length);
    return new BytesRef(key);
  }

  /** The first dedup hash of a span of {@code tenant}. */
  static long hash1(String tenant, Span span) {
    return SpanKeyFilter.hash1(tenant.hashCode(), span.traceId().high(), span.traceId().low(), span.spanId().value());
  }

  /** The first dedup hash of a key made by {@link #spanKeyBytes}. */
  static long hash1(BytesRef key) {
    int prefix = key.length - 24;
    String tenant = prefix == 0 ? Tenants.DEFAULT : new String(key.bytes, key.offset, prefix, StandardCharsets.UTF_8);
    int at = key.offset + prefix;
    return SpanKeyFilter.hash1(tenant.hashCode(), readLong(key.bytes, at), readLong(key.bytes, at + 8), readLong(key.bytes, at + 16));
  }

  private static long readLong(byte[] in, int at) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (in[at + i] & 0xFF);
    }
    return v;
  }
}
