package dev.tokentrail.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import org.junit.jupiter.api.Test;

class UnknownModelsTest {
  @Test
  void entriesAreMostCalledFirstThenByModelName() {
    UnknownModels models = new UnknownModels(10);
    models.record("acme", "zeta", 1);
    models.record("acme", "beta", 2);
    models.record("acme", "alpha", 3);
    models.record("acme", "zeta", 4);

    assertThat(models.entries())
        .extracting(UnknownModels.Entry::model, UnknownModels.Entry::calls)
        .containsExactly(tuple("zeta", 2L), tuple("alpha", 1L), tuple("beta", 1L));
  }

  @Test
  void entryKeepsFirstAndLastSighting() {
    UnknownModels models = new UnknownModels(10);
    models.record("acme", "zeta", 100);
    models.record("acme", "zeta", 250);

    assertThat(models.entries())
        .singleElement()
        .satisfies(e -> {
          assertThat(e.provider()).isEqualTo("acme");
          assertThat(e.firstSeenEpochMillis()).isEqualTo(100);
          assertThat(e.lastSeenEpochMillis()).isEqualTo(250);
        });
  }

  @Test
  void sameModelOfTwoProvidersIsTwoEntries() {
    UnknownModels models = new UnknownModels(10);
    models.record("acme", "m1", 1);
    models.record("other-cloud", "m1", 1);

    assertThat(models.entries()).extracting(UnknownModels.Entry::provider).containsExactlyInAnyOrder("acme", "other-cloud");
  }

  @Test
  void modelsPastTheLimitAreCountedAsOther() {
    UnknownModels models = new UnknownModels(2);
    models.record("acme", "m1", 1);
    models.record("acme", "m2", 1);
    models.record("acme", "m3", 1);
    models.record("acme", "m4", 1);

    assertThat(models.entries())
        .extracting(UnknownModels.Entry::model, UnknownModels.Entry::calls)
        .containsExactly(tuple("other", 2L), tuple("m1", 1L), tuple("m2", 1L));
  }

  @Test
  void missingProviderAndModelAreRecordedAsEmpty() {
    UnknownModels models = new UnknownModels(10);
    models.record(null, null, 1);

    assertThat(models.entries()).extracting(UnknownModels.Entry::provider, UnknownModels.Entry::model).containsExactly(tuple("", ""));
  }
}
