package dev.tokentrail.store.conformance;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock tests move by hand, for retention. */
public final class TestClock extends Clock {
  private volatile Instant now;

  public TestClock(Instant now) {
    this.now = now;
  }

  public static TestClock atNanos(long epochNanos) {
    return new TestClock(Instant.ofEpochSecond(0, epochNanos));
  }

  public void setNanos(long epochNanos) {
    now = Instant.ofEpochSecond(0, epochNanos);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return now;
  }
}
