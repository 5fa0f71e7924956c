package dev.tokentrail.query.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MetricsEngineTest {
  @Test
  void histogramBucketsArePowersOfTwoWithExactPowersInTheirOwnBucket() {
    assertThat(MetricsEngine.log2Bucket(100)).isEqualTo(128.0);
    assertThat(MetricsEngine.log2Bucket(128)).isEqualTo(128.0);
    assertThat(MetricsEngine.log2Bucket(129)).isEqualTo(256.0);
    assertThat(MetricsEngine.log2Bucket(536_870_912)).isEqualTo(536_870_912.0); // 2^29
    assertThat(MetricsEngine.log2Bucket(0.3)).isEqualTo(0.5);
    assertThat(MetricsEngine.log2Bucket(0)).isEqualTo(0.0);
  }
}
