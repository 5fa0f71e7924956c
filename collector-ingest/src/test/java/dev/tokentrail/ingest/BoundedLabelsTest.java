package dev.tokentrail.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class BoundedLabelsTest {
  @Test
  void firstValuesUpToTheLimitAreAdmittedTheRestAreOther() {
    BoundedLabels labels = new BoundedLabels(2);

    assertThat(labels.label("gpt-4o")).isEqualTo("gpt-4o");
    assertThat(labels.label("claude-sonnet-4")).isEqualTo("claude-sonnet-4");
    assertThat(labels.label("gemini-2.5-pro")).isEqualTo(BoundedLabels.OTHER);
    assertThat(labels.label("gpt-4o")).as("an admitted value stays admitted").isEqualTo("gpt-4o");
  }

  @Test
  void repeatedValueTakesOneSlot() {
    BoundedLabels labels = new BoundedLabels(2);

    labels.label("a");
    labels.label("a");

    assertThat(labels.label("b")).isEqualTo("b");
  }

  @Test
  void missingValueIsUnknownAndTakesNoSlot() {
    BoundedLabels labels = new BoundedLabels(1);

    assertThat(labels.label(null)).isEqualTo(BoundedLabels.UNKNOWN);
    assertThat(labels.label("")).isEqualTo(BoundedLabels.UNKNOWN);
    assertThat(labels.label("a")).isEqualTo("a");
  }

  @Test
  void longValueIsTruncatedTo128CharactersAndTakesOneSlot() {
    BoundedLabels labels = new BoundedLabels(2);
    String longValue = "x".repeat(200);

    assertThat(labels.label(longValue)).isEqualTo("x".repeat(128));
    assertThat(labels.label(longValue)).as("the same long value again").isEqualTo("x".repeat(128));
    assertThat(labels.label("b")).as("the second slot is still free").isEqualTo("b");
  }

  @Test
  void admittedLongValueKeepsItsLabelOnceTheLimitIsReached() {
    BoundedLabels labels = new BoundedLabels(1);
    String longValue = "y".repeat(200);

    String first = labels.label(longValue);

    assertThat(labels.label(longValue)).isEqualTo(first);
  }

  @Test
  void nonPositiveLimitIsRejected() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new BoundedLabels(0))
        .withMessage("maxValues: 0 (expected: > 0)");
  }
}
