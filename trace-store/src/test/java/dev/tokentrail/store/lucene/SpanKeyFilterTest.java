package dev.tokentrail.store.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SpanKeyFilterTest {
  @Test
  void aMillionKeysInGrownBlocksStillClaimFewUnseenOnes() {
    SpanKeyFilter filter = new SpanKeyFilter();
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 1_000_000; i++) {
      long h1 = SpanKeyFilter.hash1(7, random.nextLong(), random.nextLong(), random.nextLong());
      filter.addIfAbsent(h1, SpanKeyFilter.hash2(h1));
    }
    int falsePositives = 0;
    for (int i = 0; i < 200_000; i++) {
      long h1 = SpanKeyFilter.hash1(7, random.nextLong(), random.nextLong(), random.nextLong());
      if (filter.mightContain(h1, SpanKeyFilter.hash2(h1))) {
        falsePositives++;
      }
    }
    System.out.printf("span key filter: %d false positives in 200,000 unseen keys after 1,000,000 (%.3f %%), %d bytes%n",
        falsePositives, falsePositives / 2000.0, filter.bytes());
    // Each false positive costs a trace recompute at ingest: rare across the grown blocks (0.24 % measured).
    assertThat(falsePositives).isLessThan(1_000); // < 0.5 %
  }

  @Test
  void neverForgetsAKeyAndRarelyClaimsAnUnseenOne() {
    SpanKeyFilter filter = new SpanKeyFilter();
    SplittableRandom random = new SplittableRandom(42);
    int n = 300_000; // several blocks
    long[] seen = new long[n];
    for (int i = 0; i < n; i++) {
      long h1 = SpanKeyFilter.hash1(7, random.nextLong(), random.nextLong(), random.nextLong());
      seen[i] = h1;
      filter.addIfAbsent(h1, SpanKeyFilter.hash2(h1));
    }
    for (long h1 : seen) {
      assertThat(filter.mightContain(h1, SpanKeyFilter.hash2(h1))).isTrue();
      assertThat(filter.addIfAbsent(h1, SpanKeyFilter.hash2(h1))).as("a seen key is never new").isFalse();
    }
    int falsePositives = 0;
    for (int i = 0; i < 100_000; i++) {
      long h1 = SpanKeyFilter.hash1(7, random.nextLong(), random.nextLong(), random.nextLong());
      if (filter.mightContain(h1, SpanKeyFilter.hash2(h1))) {
        falsePositives++;
      }
    }
    // Blocks of about 1 % each; a few blocks answer together.
    assertThat(falsePositives).isLessThan(5_000);
  }

  @Test
  void theTenantIsPartOfTheKey() {
    long a = SpanKeyFilter.hash1("a".hashCode(), 1, 2, 3);
    long b = SpanKeyFilter.hash1("b".hashCode(), 1, 2, 3);
    SpanKeyFilter filter = new SpanKeyFilter();
    filter.addIfAbsent(a, SpanKeyFilter.hash2(a));
    assertThat(filter.addIfAbsent(b, SpanKeyFilter.hash2(b))).isTrue();
  }
}
