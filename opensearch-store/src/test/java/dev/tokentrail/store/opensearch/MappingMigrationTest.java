package dev.tokentrail.store.opensearch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.Tenants;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Opening the store on a prefix whose indices an earlier TokenTrail created: a span index of mapping
 * version 2 gains the {@code call_prefix_tokens} column and a trace index of version 1 the rollup
 * fields, in place, both then marked with the current version; a span index created now has the
 * current storage settings (an unfiltered {@code _source} with the span as JSON); spans written
 * into an index of an earlier layout (the span base64 in a filtered {@code _source}, or a stored
 * field) keep that layout and read the same. Runs against the shared test node.
 */
class MappingMigrationTest {
  private final String url = TestNode.url();
  private final String prefix = "tt-migrate-" + ProcessHandle.current().pid();

  @AfterEach
  void deleteIndices() throws Exception {
    TestNode.send("DELETE", "/" + prefix + "-*?expand_wildcards=all", null);
    TestNode.send("DELETE", "/_index_template/" + prefix + "-spans", null);
  }

  @Test
  void indicesOfEarlierMappingVersionsGainTheFieldsAddedSince() throws Exception {
    String spanIndex = "/" + prefix + "-spans-2026.01.01";
    TestNode.send("PUT", spanIndex, """
        {"mappings":{"dynamic":false,"_meta":{"tokentrail_mapping_version":2},
         "properties":{"tenant":{"type":"keyword"},"call_input_tokens":{"type":"long"}}}}""");
    TestNode.send("PUT", "/" + prefix + "-traces", """
        {"mappings":{"dynamic":false,"_meta":{"tokentrail_mapping_version":1},
         "properties":{"tenant":{"type":"keyword"},"trace_id":{"type":"keyword"},"days":{"type":"keyword"},
         "last":{"type":"keyword"}}}}""");

    OpenSearchSpanStore.builder().urls(List.of(URI.create(url))).indexPrefix(prefix).shards(1, 0).build().close();

    JsonNode spans = mapping(spanIndex);
    assertThat(spans.path("_meta").path("tokentrail_mapping_version").asInt()).isEqualTo(IndexTemplates.MAPPING_VERSION);
    assertThat(spans.path("properties").path(SpanDocuments.PREFIX_TOKENS).path("type").asText()).isEqualTo("long");
    JsonNode traces = mapping("/" + prefix + "-traces");
    assertThat(traces.path("_meta").path("tokentrail_mapping_version").asInt()).isEqualTo(IndexTemplates.MAPPING_VERSION);
    assertThat(traces.path("properties").path(TraceRollups.COST).path("type").asText()).isEqualTo("double");
    assertThat(traces.path("properties").path(TraceRollups.ROOT_SERVICE).path("type").asText()).isEqualTo("keyword");
  }

  @Test
  void aChangedRefreshIntervalReachesTheExistingTraceIndex() throws Exception {
    OpenSearchSpanStore.builder().urls(List.of(URI.create(url))).indexPrefix(prefix).shards(1, 0).build().close();
    assertThat(traceRefreshInterval()).isEqualTo("1000ms");

    OpenSearchSpanStore.builder().urls(List.of(URI.create(url))).indexPrefix(prefix).shards(1, 0)
        .refreshInterval(java.time.Duration.ofSeconds(5)).build().close();

    assertThat(traceRefreshInterval()).isEqualTo("5000ms");
  }

  private String traceRefreshInterval() throws Exception {
    return OpenSearchClient.JSON.readTree(TestNode.send("GET", "/" + prefix + "-traces/_settings", null)).elements().next()
        .path("settings").path("index").path("refresh_interval").asText();
  }

  @Test
  void aClusterWithoutSpanIndicesAcceptsTheMigration() throws Exception {
    OpenSearchSpanStore.builder().urls(List.of(URI.create(url))).indexPrefix(prefix).shards(1, 0).build().close();

    assertThat(TestNode.send("GET", "/" + prefix + "-spans-*?allow_no_indices=true", null)).isEqualTo("{}");
    assertThat(mapping("/" + prefix + "-traces").path("_meta").path("tokentrail_mapping_version").asInt())
        .isEqualTo(IndexTemplates.MAPPING_VERSION);
  }

  @Test
  void aNewSpanIndexHasTheChosenCodecAndDocValuesOnlyWhereRead() throws Exception {
    long start = 1_767_225_600_000_000_000L; // 2026-01-01T00:00:00Z
    Span span = Span.builder().traceId(TraceId.fromHex("00000000000000000000000000000abc")).spanId(SpanId.fromHex("0000000000000001"))
        .name("chat").startEpochNanos(start).endEpochNanos(start + 1_000_000).attributes(Map.of("gen_ai.request.model", "gpt-4o")).build();
    try (OpenSearchSpanStore store =
        OpenSearchSpanStore.builder().urls(List.of(URI.create(url))).indexPrefix(prefix).shards(1, 0)
            .codec(OpenSearchSpanStoreBuilder.Codec.BEST_COMPRESSION).build()) {
      store.accept(Tenants.DEFAULT, List.of(new IngestedSpan(span, null))).get(30, TimeUnit.SECONDS);
      String index = "/" + prefix + "-spans-2026.01.01";
      JsonNode settings = OpenSearchClient.JSON.readTree(TestNode.send("GET", index + "/_settings", null)).elements().next();
      assertThat(settings.path("settings").path("index").path("codec").asText()).isEqualTo("best_compression");
      JsonNode properties = mapping(index).path("properties");
      for (String field : List.of(SpanDocuments.STATUS_MESSAGE, SpanDocuments.SPAN_BOOL_KEYS, SpanDocuments.RESOURCE_BOOL_KEYS)) {
        assertThat(properties.path(field).path("doc_values").asBoolean(true)).as(field).isFalse();
      }
      // Version 8: the attribute terms are aggregated for tag values.
      for (String field : List.of(SpanDocuments.MODEL, SpanDocuments.SPAN_TERMS, SpanDocuments.RESOURCE_TERMS)) {
        assertThat(properties.path(field).path("doc_values").asBoolean(true)).as(field).isTrue();
      }
      // Version 7: the whole document in an unfiltered _source, the span's remaining parts as JSON never indexed.
      assertThat(mapping(index).path("_source").path("includes").isEmpty()).isTrue();
      assertThat(properties.path(SpanSource.FIELD).path("enabled").asBoolean(true)).isFalse();
      assertThat(properties.has(SpanDocuments.SPAN)).isFalse();
      assertThat(properties.has("key")).isFalse();
      TestNode.send("POST", index + "/_refresh", null);
      JsonNode source = OpenSearchClient.JSON.readTree(TestNode.send("GET", index + "/_search", null)).path("hits").path("hits").path(0)
          .path("_source");
      assertThat(source.path(SpanDocuments.NAME).asText()).isEqualTo("chat");
      assertThat(source.path(SpanSource.FIELD).path("attributes").toString()).isEqualTo("[\"gen_ai.request.model\",\"gpt-4o\"]");
      assertThat(source.has(SpanDocuments.SPAN)).isFalse();
    }
  }

  @Test
  void spansWrittenIntoAnIndexOfMappingVersion6KeepItsLayoutAndReadTheSame() throws Exception {
    long start = 1_767_398_400_000_000_000L; // 2026-01-03T00:00:00Z
    Span span = Span.builder().traceId(TraceId.fromHex("00000000000000000000000000000fed")).spanId(SpanId.fromHex("0000000000000003"))
        .name("chat").startEpochNanos(start).endEpochNanos(start + 1_000_000)
        .attributes(Map.of("gen_ai.request.model", "gpt-4o", "gen_ai.usage.input_tokens", 12L)).build();
    // A day index as mapping version 6 made it, before this process starts: _source keeps the call
    // fields only, the span is a stored field of protobuf bytes.
    StringBuilder includes = new StringBuilder();
    SpanDocuments.READ_FIELDS.forEach(f -> includes.append(includes.isEmpty() ? "" : ",").append('"').append(f).append('"'));
    String index = "/" + prefix + "-spans-2026.01.03";
    TestNode.send("PUT", index, "{\"mappings\":{\"dynamic\":false,\"_source\":{\"includes\":[" + includes + "]},"
        + "\"_meta\":{\"tokentrail_mapping_version\":6},"
        + "\"properties\":{\"tenant\":{\"type\":\"keyword\"},\"trace_id\":{\"type\":\"keyword\"},"
        + "\"span_id\":{\"type\":\"keyword\"},\"start\":{\"type\":\"long\"},\"end\":{\"type\":\"long\"},"
        + "\"" + SpanDocuments.SPAN + "\":{\"type\":\"binary\",\"store\":true}}}}");
    try (OpenSearchSpanStore store = OpenSearchSpanStore.builder().urls(List.of(URI.create(url))).indexPrefix(prefix)
        .shards(1, 0).refreshOnWrite(true).build()) {
      store.accept(Tenants.DEFAULT, List.of(new IngestedSpan(span, null))).get(30, TimeUnit.SECONDS);

      assertThat(store.getTrace(Tenants.DEFAULT, span.traceId(), 0, 0)).singleElement()
          .satisfies(read -> assertThat(read.attributes())
              .containsEntry("gen_ai.request.model", "gpt-4o").containsEntry("gen_ai.usage.input_tokens", 12L));
      JsonNode hit = OpenSearchClient.JSON.readTree(TestNode.send("GET", index + "/_search?stored_fields=" + SpanDocuments.SPAN, null))
          .path("hits").path("hits").path(0);
      assertThat(hit.path("fields").path(SpanDocuments.SPAN).isArray()).isTrue();
    }
  }

  @Test
  void spansWrittenIntoAnIndexKeepingTheSpanInSourceAreReadAsOnes() throws Exception {
    long start = 1_767_312_000_000_000_000L; // 2026-01-02T00:00:00Z
    Span span = Span.builder().traceId(TraceId.fromHex("00000000000000000000000000000def")).spanId(SpanId.fromHex("0000000000000002"))
        .name("chat").startEpochNanos(start).endEpochNanos(start + 1_000_000).attributes(Map.of("gen_ai.request.model", "gpt-4o"))
        .build();
    try (OpenSearchSpanStore store = OpenSearchSpanStore.builder().urls(List.of(URI.create(url))).indexPrefix(prefix)
        .shards(1, 0).refreshOnWrite(true).build()) {
      // A day index as mapping versions before 6 made it (the template gives the rest): the span in
      // _source, not stored.
      StringBuilder includes = new StringBuilder("\"" + SpanDocuments.SPAN + "\"");
      SpanDocuments.READ_FIELDS.forEach(f -> includes.append(",\"").append(f).append('"'));
      String index = "/" + prefix + "-spans-2026.01.02";
      TestNode.send("PUT", index, "{\"mappings\":{\"_source\":{\"includes\":[" + includes + "]},"
          + "\"properties\":{\"" + SpanDocuments.SPAN + "\":{\"type\":\"binary\"}}}}");
      assertThat(mapping(index).path("properties").path(SpanDocuments.SPAN).path("store").asBoolean(false)).isFalse();

      store.accept(Tenants.DEFAULT, List.of(new IngestedSpan(span, null))).get(30, TimeUnit.SECONDS);

      assertThat(store.getTrace(Tenants.DEFAULT, span.traceId(), 0, 0)).singleElement()
          .satisfies(read -> assertThat(read.attributes()).containsEntry("gen_ai.request.model", "gpt-4o"));
      JsonNode hit = OpenSearchClient.JSON.readTree(TestNode.send("GET", index + "/_search", null)).path("hits").path("hits").path(0);
      assertThat(hit.path("_source").has(SpanDocuments.SPAN)).isTrue();
    }
  }

  @Test
  void aSpanNestedAsDeepAsIngestTakesIsStoredAndReadBack() throws Exception {
    long start = 1_767_484_800_000_000_000L; // 2026-01-04T00:00:00Z
    Object kvlist = 1L;
    for (int i = 0; i < 250; i++) { // the deepest OTLP/JSON ingest takes (1,000 JSON containers there)
      kvlist = Map.of("k", kvlist);
    }
    Span span = Span.builder().traceId(TraceId.fromHex("00000000000000000000000000000d0e")).spanId(SpanId.fromHex("0000000000000004"))
        .name("deep").startEpochNanos(start).endEpochNanos(start + 1_000).attributes(Map.of("deep", kvlist)).build();
    try (OpenSearchSpanStore store = OpenSearchSpanStore.builder().urls(List.of(URI.create(url))).indexPrefix(prefix)
        .shards(1, 0).refreshOnWrite(true).build()) {
      store.accept(Tenants.DEFAULT, List.of(new IngestedSpan(span, null))).get(30, TimeUnit.SECONDS);

      assertThat(store.getTrace(Tenants.DEFAULT, span.traceId(), 0, 0)).singleElement()
          .satisfies(read -> assertThat(read.attributes()).isEqualTo(span.attributes()));
    }
  }

  private JsonNode mapping(String index) throws Exception {
    return OpenSearchClient.JSON.readTree(TestNode.send("GET", index + "/_mapping", null)).elements().next().path("mappings");
  }

}
