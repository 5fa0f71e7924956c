package dev.tokentrail.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class RateBucketTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aFullBucketAdmitsAndAnOverdrawnOneAsksToWaitUntilItRefills() {
    RateBucket bucket = new RateBucket(100, 0);
    assertThat(bucket.retryAfterSeconds(0)).isZero();

    bucket.charge(350, 0);

    assertThat(bucket.retryAfterSeconds(0)).isEqualTo(3);
    assertThat(bucket.retryAfterSeconds(2 * SECOND)).isEqualTo(1);
    assertThat(bucket.retryAfterSeconds(3 * SECOND)).isZero();
  }

  @Test
  void refillStopsAtOneSecondsWorth() {
    RateBucket bucket = new RateBucket(10, 0);

    bucket.charge(10, 3600 * SECOND);

    assertThat(bucket.retryAfterSeconds(3600 * SECOND)).as("an hour idle saved no more than one second").isEqualTo(1);
  }

  @Test
  void aRateMustBePositive() {
    assertThatIllegalArgumentException().isThrownBy(() -> new RateBucket(0, 0)).withMessage("ratePerSecond: 0.0 (expected: > 0)");
  }
}
