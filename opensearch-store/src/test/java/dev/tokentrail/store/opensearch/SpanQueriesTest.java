package dev.tokentrail.store.opensearch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanFilter.Condition;
import dev.tokentrail.store.SpanFilter.Op;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which span filters OpenSearch decides exactly, so searches answer them without deciding spans in Java. */
class SpanQueriesTest {
  private static final Condition MODEL = new Condition(FieldRef.span("gen_ai.request.model"), Op.EQ, "gpt-4o");
  private static final Condition SLOW = new Condition(FieldRef.intrinsic(FieldRef.DURATION), Op.GT, 1_000_000L);
  private static final Condition ROOT = new Condition(FieldRef.intrinsic(FieldRef.SERVICE), Op.EQ, "checkout");

  @Test
  void termsRangesAndExistenceAreExact() {
    assertThat(SpanQueries.exact(SpanFilter.all())).isTrue();
    assertThat(SpanQueries.exact(new SpanFilter.And(List.of(MODEL, SLOW)))).isTrue();
    assertThat(SpanQueries.exact(new SpanFilter.Or(List.of(MODEL,
        new Condition(FieldRef.resource("team"), Op.EXISTS, null))))).isTrue();
    assertThat(SpanQueries.exact(new Condition(FieldRef.intrinsic(FieldRef.STATUS), Op.EQ, "error"))).isTrue();
  }

  @Test
  void regexesNegationsNumbersAndBooleanLookalikesAreLeftToJava() {
    assertThat(SpanQueries.exact(new Condition(FieldRef.span("model"), Op.REGEX, "gpt.*"))).isFalse();
    assertThat(SpanQueries.exact(new Condition(FieldRef.span("model"), Op.NEQ, "gpt-4o"))).isFalse();
    assertThat(SpanQueries.exact(new Condition(FieldRef.span("tokens"), Op.GT, 10L))).isFalse();
    assertThat(SpanQueries.exact(new Condition(FieldRef.span("cached"), Op.EQ, "true"))).isFalse();
    assertThat(SpanQueries.exact(new Condition(FieldRef.span("cached"), Op.EQ, true))).isFalse();
  }

  @Test
  void traceLevelConditionsAreExactOnlyAsTopLevelConjuncts() {
    assertThat(SpanQueries.exact(new SpanFilter.And(List.of(MODEL, ROOT)))).isTrue();
    assertThat(SpanQueries.traceLevelConjuncts(new SpanFilter.And(List.of(MODEL, ROOT)))).containsExactly(ROOT);
    assertThat(SpanQueries.exact(new SpanFilter.Or(List.of(MODEL, ROOT)))).isFalse();
    assertThat(SpanQueries.exact(new SpanFilter.Or(List.of(new SpanFilter.And(List.of(MODEL, ROOT)), SLOW)))).isFalse();
  }

  @Test
  void aComparisonOnATokenCountNarrowsToItsRangeOrToDocumentsWithoutIndexedNumbers() {
    String tokens = SpanDocuments.NUMERIC_FIELDS.get("gen_ai.usage.input_tokens");
    String query = SpanQueries.superset(new Condition(FieldRef.span("gen_ai.usage.input_tokens"), Op.GTE, 0L)).toString();
    assertThat(query)
        .contains("{\"range\":{\"" + tokens + "\":{\"gte\":-0.0}}}")
        .contains("\"must_not\":[{\"term\":{\"" + SpanDocuments.NUMBERS_INDEXED + "\":true}}]")
        .contains("{\"term\":{\"span_keys\":\"gen_ai.usage.input_tokens\"}}");
    assertThat(SpanQueries.superset(new Condition(FieldRef.span("gen_ai.usage.input_tokens"), Op.EQ, 0.0)).toString())
        .contains("\"gte\":-0.0,\"lte\":0.0");
    // Not a numeric field, or not a comparison it answers: the key alone.
    assertThat(SpanQueries.superset(new Condition(FieldRef.span("tokens"), Op.GT, 10L)).toString())
        .isEqualTo("{\"term\":{\"span_keys\":\"tokens\"}}");
    assertThat(SpanQueries.superset(new Condition(FieldRef.span("gen_ai.usage.input_tokens"), Op.NEQ, 10L)).toString())
        .isEqualTo("{\"term\":{\"span_keys\":\"gen_ai.usage.input_tokens\"}}");
    assertThat(SpanQueries.superset(new Condition(FieldRef.resource("gen_ai.usage.input_tokens"), Op.GT, 10L)).toString())
        .isEqualTo("{\"term\":{\"resource_keys\":\"gen_ai.usage.input_tokens\"}}");
  }

  @Test
  void tokenComparisonsAreExactOnlyWhereTheNumbersAreIndexed() {
    Condition above = new Condition(FieldRef.span("gen_ai.usage.input_tokens"), Op.GT, 1_000L);
    Condition below = new Condition(FieldRef.span("gen_ai.usage.input_tokens"), Op.LT, 2_000.5);
    SpanFilter both = new SpanFilter.And(List.of(MODEL, above, below));

    assertThat(SpanQueries.exact(both)).isFalse(); // older documents, or a non-finite value: Java decides
    assertThat(SpanQueries.exactWhereNumbersIndexed(both)).isTrue();
    assertThat(SpanQueries.exactWhereNumbersIndexed(new SpanFilter.Or(List.of(above, SLOW)))).isTrue();
    assertThat(SpanQueries.numbersNotIndexed().toString())
        .isEqualTo("{\"bool\":{\"must_not\":[{\"term\":{\"" + SpanDocuments.NUMBERS_INDEXED + "\":true}}]}}");
    // Not indexed as numbers, not a comparison the range answers, not a finite number, or not the span's own attribute.
    assertThat(SpanQueries.exactWhereNumbersIndexed(new Condition(FieldRef.span("tokens"), Op.GT, 10L))).isFalse();
    assertThat(SpanQueries.exactWhereNumbersIndexed(new Condition(FieldRef.span("gen_ai.usage.input_tokens"), Op.NEQ, 10L)))
        .isFalse();
    assertThat(SpanQueries.exactWhereNumbersIndexed(
        new Condition(FieldRef.span("gen_ai.usage.input_tokens"), Op.GT, Double.POSITIVE_INFINITY))).isFalse();
    assertThat(SpanQueries.exactWhereNumbersIndexed(new Condition(FieldRef.any("gen_ai.usage.input_tokens"), Op.GT, 10L)))
        .isFalse();
    assertThat(SpanQueries.exactWhereNumbersIndexed(new Condition(FieldRef.resource("gen_ai.usage.input_tokens"), Op.GT, 10L)))
        .isFalse();
    // The string "10" is not a number to TraceQL: only string equality, exact as before.
    assertThat(SpanQueries.exactWhereNumbersIndexed(new Condition(FieldRef.span("gen_ai.usage.input_tokens"), Op.GT, "10")))
        .isFalse();
  }

  @Test
  void aRegexWithoutSpecialCharactersIsAnExactTerm() {
    Condition checkout = new Condition(FieldRef.resource("service.name"), Op.REGEX, "checkout-api");
    assertThat(SpanQueries.literalRegex(checkout)).isEqualTo("checkout-api");
    assertThat(SpanQueries.exact(checkout)).isTrue();
    assertThat(SpanQueries.superset(checkout).toString()).isEqualTo("{\"term\":{\"resource_terms\":\"service.name=checkout-api\"}}");
    for (String special : List.of("checkout.api", "a|b", "a*", "(a)", "[ab]", "a+", "a?", "^a", "a$", "a{2}", "a\\d")) {
      assertThat(SpanQueries.literalRegex(new Condition(FieldRef.span("x"), Op.REGEX, special))).as(special).isNull();
    }
    // A regex is tried on strings only: "true" as a regex is a string, which a boolean's term also reads as.
    assertThat(SpanQueries.exact(new Condition(FieldRef.span("cached"), Op.REGEX, "true"))).isFalse();
    assertThat(SpanQueries.literalRegex(new Condition(FieldRef.span("x"), Op.NOT_REGEX, "a"))).isNull();
  }

  @Test
  void anEqualsSignInTheKeyOrTheValueLeavesEqualityToJava() {
    // "a" = "b=c" and "a=b" = "c" are both the term a=b=c.
    assertThat(SpanQueries.exact(new Condition(FieldRef.span("a"), Op.EQ, "b=c"))).isFalse();
    assertThat(SpanQueries.exact(new Condition(FieldRef.span("a=b"), Op.EQ, "c"))).isFalse();
    assertThat(SpanQueries.superset(new Condition(FieldRef.span("a"), Op.EQ, "b=c")).toString())
        .isEqualTo("{\"term\":{\"span_terms\":\"a=b=c\"}}");
    assertThat(SpanQueries.unsure(new Condition(FieldRef.span("a=b"), Op.REGEX, ".*"))).isNull();
  }

  @Test
  void unsureSpansNameWhatAnAggregationMustCheckFirst() {
    assertThat(SpanQueries.unsure(new SpanFilter.And(List.of(MODEL, SLOW)))).isEmpty();
    // Indexed numbers: spans holding the key without the numbers mark.
    List<com.fasterxml.jackson.databind.node.ObjectNode> numbers =
        SpanQueries.unsure(new Condition(FieldRef.span("tokentrail.cost.usd"), Op.GT, 0.0));
    assertThat(numbers).singleElement().asString()
        .contains("{\"term\":{\"span_keys\":\"tokentrail.cost.usd\"}}").contains(SpanDocuments.NUMBERS_INDEXED);
    // =~ ".*": spans holding the key with a boolean or without a key= term.
    assertThat(SpanQueries.unsure(new Condition(FieldRef.resource("service.name"), Op.REGEX, ".*"))).singleElement().asString()
        .contains("resource_bool_keys").contains("{\"prefix\":{\"resource_terms\":\"service.name=\"}}");
    // Not decided by OpenSearch at all.
    assertThat(SpanQueries.unsure(new Condition(FieldRef.span("model"), Op.REGEX, "gpt.*"))).isNull();
    assertThat(SpanQueries.unsure(new Condition(FieldRef.any("service.name"), Op.REGEX, ".*"))).isNull();
    assertThat(SpanQueries.unsure(new SpanFilter.And(List.of(MODEL, ROOT)))).isNull();
  }
}
