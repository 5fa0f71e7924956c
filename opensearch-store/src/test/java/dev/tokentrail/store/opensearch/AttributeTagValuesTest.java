package dev.tokentrail.store.opensearch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.TagValue;
import dev.tokentrail.store.Tenants;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Attribute tag values over span indices of both kinds at once: one of mapping version 8 (terms
 * aggregated from doc values, numbers and over-long strings read from the spans without a term) and
 * one made as earlier versions made them (terms without doc values, every span holding the key
 * read). Values come back typed and counted per span whichever kind of index held them. Runs
 * against the shared test node.
 */
class AttributeTagValuesTest {
  private static final long DAY_5 = 1_767_571_200_000_000_000L; // 2026-01-05T00:00:00Z, the earlier kind
  private static final long DAY_6 = 1_767_657_600_000_000_000L; // 2026-01-06T00:00:00Z, version 8

  private final String url = TestNode.url();
  private final String prefix = "tt-tagvalues-" + ProcessHandle.current().pid();
  private OpenSearchSpanStore store;
  private int spanCount;

  @BeforeEach
  void openStore() throws Exception {
    store = OpenSearchSpanStore.builder().urls(List.of(URI.create(url))).indexPrefix(prefix).shards(1, 0)
        .refreshOnWrite(true).build();
    // Day 5's index as mapping versions before 8 made it: the template gives the rest.
    TestNode.send("PUT", "/" + prefix + "-spans-2026.01.05", """
        {"mappings":{"properties":{
          "span_terms":{"type":"keyword","ignore_above":1024,"doc_values":false},
          "resource_terms":{"type":"keyword","ignore_above":1024,"doc_values":false}}}}""");
  }

  @AfterEach
  void deleteIndices() throws Exception {
    store.close();
    TestNode.send("DELETE", "/" + prefix + "-*?expand_wildcards=all", null);
    TestNode.send("DELETE", "/_index_template/" + prefix + "-spans", null);
  }

  @Test
  void theTwoKindsOfIndexSplitAsTheirMappingsSay() {
    write(DAY_5, Map.of("env", "prod"));
    write(DAY_6, Map.of("env", "prod"));
    try (OpenSearchClient client = new OpenSearchClient(List.of(URI.create(url)), null, null, Duration.ofSeconds(30), 1)) {
      SpanReader reader = new SpanReader(client, new IndexTemplates(prefix));
      SpanReader.IndexKinds kinds = reader.indexKinds(0, 0);
      assertThat(kinds.earlier()).containsExactly(prefix + "-spans-2026.01.05");
      assertThat(kinds.current()).isEqualTo(prefix + "-spans-*,-" + prefix + "-spans-2026.01.05");
      // A range within day 6 leaves day 5 out.
      SpanReader.IndexKinds day6 = reader.indexKinds(DAY_6 + 1, DAY_6 + 3_600_000_000_000L);
      assertThat(day6.earlier()).isEmpty();
      assertThat(day6.current()).isNotNull();
      assertThat(reader.indexKinds(DAY_5, DAY_5 + 1).earlier()).containsExactly(prefix + "-spans-2026.01.05");
    }
  }

  @Test
  void stringsAreCountedPerSpanAcrossBothKindsOfIndex() {
    write(DAY_5, Map.of("env", "prod"));
    write(DAY_5, Map.of("env", "dev"));
    write(DAY_6, Map.of("env", "prod"));
    write(DAY_6, Map.of("env", List.of("prod", "canary", "prod")));
    write(DAY_6, Map.of("environment", "other")); // a key the pattern must not take for "env"

    assertThat(values(FieldRef.span("env"), 100)).containsExactly(
        new TagValue("string", "prod"), new TagValue("string", "canary"), new TagValue("string", "dev"));
    assertThat(values(FieldRef.span("env"), 1)).containsExactly(new TagValue("string", "prod"));
  }

  @Test
  void booleansAreToldFromStringsThatReadTheSame() {
    write(DAY_6, Map.of("flag", true));
    write(DAY_6, Map.of("flag", true));
    write(DAY_6, Map.of("flag", "true"));
    write(DAY_6, Map.of("flag", false));
    write(DAY_5, Map.of("flag", "false"));

    assertThat(values(FieldRef.span("flag"), 100)).containsExactly(
        new TagValue("bool", "true"), new TagValue("bool", "false"), new TagValue("string", "false"),
        new TagValue("string", "true"));
  }

  @Test
  void numbersAndOverLongStringsAreReadFromTheSpansWithoutATerm() {
    String longValue = "x".repeat(SpanDocuments.MAX_TERM_CHARS);
    write(DAY_6, Map.of("n", 3L));
    write(DAY_6, Map.of("n", 3.0));
    write(DAY_6, Map.of("n", List.of(2.5, 12L)));
    write(DAY_6, Map.of("n", "three"));
    write(DAY_6, Map.of("n", longValue));
    write(DAY_5, Map.of("n", 12L));

    assertThat(values(FieldRef.span("n"), 100)).containsExactly(
        new TagValue("int", "3"), new TagValue("int", "12"), new TagValue("string", "three"),
        new TagValue("string", longValue), new TagValue("float", "2.5"));
  }

  @Test
  void keysWithPatternCharactersAndScopesStayApart() {
    String key = "a.b*c+[d]\\e=f";
    write(DAY_6, Map.of(key, "v1", "a.b", "other"));
    write(DAY_5, Map.of(key, "v2"));
    write(DAY_6, Map.of("zone", "eu-1"), Map.of("service.name", "s", "zone", "us-1"));
    write(DAY_6, Map.of("zone", "us-1"));

    assertThat(values(FieldRef.span(key), 100)).containsExactly(new TagValue("string", "v1"), new TagValue("string", "v2"));
    assertThat(values(FieldRef.span("zone"), 100)).containsExactly(new TagValue("string", "eu-1"), new TagValue("string", "us-1"));
    assertThat(values(FieldRef.resource("zone"), 100)).containsExactly(new TagValue("string", "us-1"));
    assertThat(values(FieldRef.any("zone"), 100)).containsExactly(new TagValue("string", "us-1"), new TagValue("string", "eu-1"));
  }

  @Test
  void aTimeRangeAndATenantNarrowTheValues() throws Exception {
    write(DAY_5, Map.of("env", "old"));
    write(DAY_6, Map.of("env", "new"));
    Span other = span(DAY_6, Map.of("env", "elsewhere"), Map.of("service.name", "svc"));
    store.accept("other-tenant", List.of(new IngestedSpan(other, null))).get(30, TimeUnit.SECONDS);

    assertThat(store.tagValues(Tenants.DEFAULT, FieldRef.span("env"), DAY_6, DAY_6 + 3_600_000_000_000L, 100))
        .containsExactly(new TagValue("string", "new"));
    assertThat(store.tagValues(Tenants.DEFAULT, FieldRef.span("env"), DAY_5, DAY_6 - 1, 100))
        .containsExactly(new TagValue("string", "old"));
    assertThat(store.tagValues("other-tenant", FieldRef.span("env"), 0, 0, 100))
        .containsExactly(new TagValue("string", "elsewhere"));
  }

  @Test
  void listsMixingTypesAreReadWhole() {
    write(DAY_6, Map.of("k", List.of(1L, "a")));
    write(DAY_6, Map.of("k", List.of("true", false)));
    write(DAY_6, Map.of("k", "a"));

    assertThat(values(FieldRef.span("k"), 100)).containsExactly(
        new TagValue("string", "a"), new TagValue("bool", "false"), new TagValue("string", "true"), new TagValue("int", "1"));
  }

  @Test
  void keysHoldingAnEqualsSignDoNotMixWithTheKeyBeforeIt() {
    write(DAY_6, Map.of("a", "x", "a=b", "c"));
    write(DAY_6, Map.of("a", "b=c"));
    write(DAY_6, Map.of("a=b", "y"));

    assertThat(values(FieldRef.span("a"), 100)).containsExactly(new TagValue("string", "b=c"), new TagValue("string", "x"));
    assertThat(values(FieldRef.span("a=b"), 100)).containsExactly(new TagValue("string", "c"), new TagValue("string", "y"));
  }

  private List<TagValue> values(FieldRef field, int limit) {
    return store.tagValues(Tenants.DEFAULT, field, 0, 0, limit);
  }

  private void write(long day, Map<String, Object> attributes) {
    write(day, attributes, Map.of("service.name", "svc"));
  }

  private void write(long day, Map<String, Object> attributes, Map<String, Object> resource) {
    try {
      store.accept(Tenants.DEFAULT, List.of(new IngestedSpan(span(day, attributes, resource), null))).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private Span span(long day, Map<String, Object> attributes, Map<String, Object> resource) {
    int n = ++spanCount;
    long start = day + n * 1_000_000_000L;
    return Span.builder().traceId(TraceId.fromHex(String.format("%032x", n))).spanId(SpanId.fromHex(String.format("%016x", n)))
        .name("op").startEpochNanos(start).endEpochNanos(start + 1_000_000).attributes(attributes)
        .resource(Resource.of(resource)).build();
  }
}
