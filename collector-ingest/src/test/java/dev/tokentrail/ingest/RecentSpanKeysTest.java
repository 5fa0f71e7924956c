package dev.tokentrail.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import org.junit.jupiter.api.Test;

class RecentSpanKeysTest {
  private static final String TENANT = "alpha";
  private static final TraceId TRACE = TraceId.fromHex("4bf92f3577b34da6a3ce929d0e0e4736");

  @Test
  void firstSightingIsNewAndTheSecondIsSeen() {
    RecentSpanKeys keys = new RecentSpanKeys(1024);

    assertThat(keys.seen(TENANT, TRACE, SpanId.fromHex("00f067aa0ba902b7"))).isFalse();
    assertThat(keys.seen(TENANT, TRACE, SpanId.fromHex("00f067aa0ba902b7"))).isTrue();
    assertThat(keys.seen("another-tenant", TRACE, SpanId.fromHex("00f067aa0ba902b7"))).as("the same ids of another tenant").isFalse();
  }

  @Test
  void spansDifferingOnlyInTraceOrSpanIdAreDistinct() {
    RecentSpanKeys keys = new RecentSpanKeys(1024);
    keys.seen(TENANT, TRACE, SpanId.fromHex("00f067aa0ba902b7"));

    assertThat(keys.seen(TENANT, TRACE, SpanId.fromHex("00f067aa0ba902b8"))).isFalse();
    assertThat(keys.seen(TENANT, TraceId.fromHex("4bf92f3577b34da6a3ce929d0e0e4737"), SpanId.fromHex("00f067aa0ba902b7"))).isFalse();
  }

  @Test
  void manyDistinctKeysAreNeverReportedAsSeen() {
    RecentSpanKeys keys = new RecentSpanKeys(1 << 16);

    for (int i = 0; i < 50_000; i++) {
      assertThat(keys.seen(TENANT, TRACE, new SpanId(i + 1))).as("key %d", i).isFalse();
    }
  }

  @Test
  void aKeyIsForgottenWhenACollidingKeyTakesItsSlot() {
    RecentSpanKeys keys = new RecentSpanKeys(1);
    keys.seen(TENANT, TRACE, SpanId.fromHex("00000000000000a1"));
    keys.seen(TENANT, TRACE, SpanId.fromHex("00000000000000a2"));

    assertThat(keys.seen(TENANT, TRACE, SpanId.fromHex("00000000000000a1"))).as("lossy, never wrong the other way").isFalse();
  }

  @Test
  void capacityMustBeAPowerOfTwo() {
    assertThatIllegalArgumentException().isThrownBy(() -> new RecentSpanKeys(1000));
  }
}
