package dev.tokentrail.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.SpanKind;
import dev.tokentrail.model.StatusCode;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.TagNames;
import dev.tokentrail.store.TagValue;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tag discovery: attribute names by scope, sorted and cut; values most frequent first (ties in
 * value order), typed, each span counted once; intrinsic values.
 */
public abstract class TagContract extends StoreContract {

  private Span span(String name, Map<String, Object> attributes) {
    return spans.span(spans.traceId(), name, T0, SECOND).attributes(attributes).build();
  }

  @Test
  protected void tagNamesAndValuesListWhatWasStored() {
    writeVisible(spans.llmCall(spans.traceId(), SpanId.NONE, "gpt-4o-mini", 10, 1, 0.001, T0).attribute("deployment", "blue").build());
    TagNames names = store.tagNames(TENANT, 0, 0, 1000);
    assertThat(names.span()).contains("gen_ai.request.model", "deployment", "gen_ai.usage.input_tokens").isSorted();
    assertThat(names.resource()).containsExactly("service.name");
    assertThat(store.tagValues(TENANT, FieldRef.span("gen_ai.request.model"), 0, 0, 100))
        .containsExactly(new TagValue("string", "gpt-4o-mini"));
    assertThat(store.tagValues(TENANT, FieldRef.span("gen_ai.usage.input_tokens"), 0, 0, 100))
        .containsExactly(new TagValue("int", "10"));
  }

  @Test
  protected void tagNamesAreCutToTheLimitPerScope() {
    writeVisible(spans.span(spans.traceId(), "x", T0, SECOND)
        .attributes(Map.of("c", "1", "a", "1", "b", "1"))
        .resource(Resource.of(Map.of("service.name", "s", "host.name", "h", "zone", "z"))).build());
    TagNames names = store.tagNames(TENANT, 0, 0, 2);
    assertThat(names.span()).containsExactly("a", "b");
    assertThat(names.resource()).containsExactly("host.name", "service.name");
  }

  @Test
  protected void tagNamesCoverTheTimeRangeAsked() {
    writeVisible(span("old", Map.of("early", "1")));
    writeVisible(spans.span(spans.traceId(), "new", T0 + 2 * DAY, SECOND).attribute("late", "1").build());
    assertThat(store.tagNames(TENANT, T0 + 2 * DAY, 0, 100).span()).contains("late");
    assertThat(store.tagNames(TENANT, 0, 0, 100).span()).contains("early", "late");
  }

  @Test
  protected void valuesAreRankedByHowManySpansHoldThemTiesInValueOrder() {
    writeVisible(
        span("a", Map.of("env", "prod")), span("b", Map.of("env", "prod")), span("c", Map.of("env", "prod")),
        span("d", Map.of("env", "staging")), span("e", Map.of("env", "dev")), span("f", Map.of("env", "dev")),
        span("g", Map.of("env", "canary")));
    assertThat(store.tagValues(TENANT, FieldRef.span("env"), 0, 0, 100)).containsExactly(
        new TagValue("string", "prod"), new TagValue("string", "dev"),
        new TagValue("string", "canary"), new TagValue("string", "staging"));
    assertThat(store.tagValues(TENANT, FieldRef.span("env"), 0, 0, 2)).containsExactly(
        new TagValue("string", "prod"), new TagValue("string", "dev"));
  }

  @Test
  protected void numbersAndBooleansComeBackTyped() {
    writeVisible(
        span("a", Map.of("n", 3L)), span("b", Map.of("n", 3.0)), span("c", Map.of("n", 2.5)), span("d", Map.of("n", 12L)),
        span("e", Map.of("flag", true)));
    assertThat(store.tagValues(TENANT, FieldRef.span("n"), 0, 0, 100)).containsExactly(
        new TagValue("int", "3"), new TagValue("float", "2.5"), new TagValue("int", "12"));
    assertThat(store.tagValues(TENANT, FieldRef.span("flag"), 0, 0, 100)).containsExactly(new TagValue("bool", "true"));
  }

  @Test
  protected void aReSentSpanIsCountedOnce() {
    Span twiceSent = span("a", Map.of("env", "prod"));
    Span other = span("b", Map.of("env", "dev"));
    writeVisible(twiceSent, other);
    writeVisible(twiceSent);
    writeVisible(twiceSent, span("c", Map.of("env", "dev")));
    assertThat(store.tagValues(TENANT, FieldRef.span("env"), 0, 0, 100)).containsExactly(
        new TagValue("string", "dev"), new TagValue("string", "prod"));
  }

  @Test
  protected void aValueOnlyAReplacedCopyHeldIsNotListed() {
    Span first = span("a", Map.of("env", "old"));
    // Written with another span, so that a store cannot drop the first copy's storage whole.
    writeVisible(first, span("b", Map.of("env", "kept")));
    writeVisible(first.withAttributes(Map.of("env", "new")));
    eventually(() -> assertThat(store.getTrace(TENANT, first.traceId(), 0, 0)).extracting(s -> s.attribute("env"))
        .containsExactly("new"));
    assertThat(store.tagValues(TENANT, FieldRef.span("env"), 0, 0, 100)).containsExactly(
        new TagValue("string", "kept"), new TagValue("string", "new"));
  }

  @Test
  protected void listElementsAreValuesAndScopesAreApart() {
    writeVisible(
        spans.span(spans.traceId(), "a", T0, SECOND).attribute("zone", List.of("eu-1", "eu-2"))
            .resource(Resource.of(Map.of("service.name", "s", "zone", "us-1"))).build(),
        span("b", Map.of("zone", "eu-1")));
    assertThat(store.tagValues(TENANT, FieldRef.span("zone"), 0, 0, 100)).containsExactly(
        new TagValue("string", "eu-1"), new TagValue("string", "eu-2"));
    assertThat(store.tagValues(TENANT, FieldRef.resource("zone"), 0, 0, 100)).containsExactly(new TagValue("string", "us-1"));
    assertThat(store.tagValues(TENANT, FieldRef.any("zone"), 0, 0, 100)).containsExactly(
        new TagValue("string", "eu-1"), new TagValue("string", "eu-2"), new TagValue("string", "us-1"));
  }

  @Test
  protected void intrinsicValuesAreListed() {
    TraceId traceId = spans.traceId();
    Span root = spans.span(traceId, "GET /", T0, SECOND).kind(SpanKind.SERVER).resource(TestSpans.service("web")).build();
    writeVisible(root,
        spans.span(traceId, "query", T0 + 1, SECOND).parentSpanId(root.spanId()).kind(SpanKind.CLIENT)
            .status(StatusCode.ERROR, "timeout").build(),
        spans.span(traceId, "query", T0 + 2, SECOND).parentSpanId(root.spanId()).kind(SpanKind.CLIENT).build());
    assertThat(store.tagValues(TENANT, FieldRef.intrinsic(FieldRef.NAME), 0, 0, 10)).containsExactly(
        new TagValue("string", "query"), new TagValue("string", "GET /"));
    assertThat(store.tagValues(TENANT, FieldRef.intrinsic(FieldRef.KIND), 0, 0, 10)).containsExactly(
        new TagValue("string", "client"), new TagValue("string", "server"));
    assertThat(store.tagValues(TENANT, FieldRef.intrinsic(FieldRef.STATUS), 0, 0, 10)).containsExactly(
        new TagValue("string", "unset"), new TagValue("string", "error"));
    assertThat(store.tagValues(TENANT, FieldRef.intrinsic(FieldRef.SERVICE), 0, 0, 10)).containsExactly(new TagValue("string", "web"));
    assertThat(store.tagValues(TENANT, FieldRef.intrinsic(FieldRef.ROOT_NAME), 0, 0, 10)).containsExactly(new TagValue("string", "GET /"));
  }

  @Test
  protected void intrinsicsWithoutEnumerableValuesAreRefused() {
    writeVisible(span("a", Map.of()));
    assertThatThrownBy(() -> store.tagValues(TENANT, FieldRef.intrinsic(FieldRef.DURATION), 0, 0, 10))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  protected void unknownTagsHaveNoValues() {
    writeVisible(span("a", Map.of("x", "1")));
    assertThat(store.tagValues(TENANT, FieldRef.span("nosuch"), 0, 0, 10)).isEmpty();
  }
}
