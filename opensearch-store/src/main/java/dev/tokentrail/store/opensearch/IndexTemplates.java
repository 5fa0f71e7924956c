package dev.tokentrail.store.opensearch;

import static dev.tokentrail.store.opensearch.SpanDocuments.*;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpMethod;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The store's indices and their mappings. Spans go to one index per UTC day of their start
 * ({@code <prefix>-spans-yyyy.MM.dd}), so retention deletes whole indices; one index template gives
 * them a fixed mapping ({@code dynamic: false}: attribute keys never become fields) and request
 * durability ({@code index.translog.durability: request}: a bulk is acknowledged only after its
 * translog is fsynced). A trace index ({@code <prefix>-traces}) records per trace the days it has
 * spans in, so a span re-sent with a start on another day replaces its earlier copy, and its rollup
 * ({@link TraceRollups}; version 2 added it, version 1 indices gain it in place). Version 3 added
 * the prefix-token column (earlier span indices gain it in place). Version 4 changed only how new
 * span indices store what they hold: no doc values on the fields that are only ever matched ({@code
 * status_message}, {@code span_terms}, {@code resource_terms}) and the chosen stored-field codec;
 * indices created before read the same. Version 5 added the numeric attribute fields ({@link
 * SpanDocuments#NUMERIC_FIELDS}) and their mark, in place on earlier span indices until version 8
 * (their older documents lack the mark, so searches decide those from the stored span; an index
 * without the fields ignores them and the mark alike). Version 6 keeps the span
 * of new span indices as a stored field of raw bytes instead of base64 in {@code _source}; reads
 * ask for both, so indices of earlier versions read the same. Version 7 keeps the whole document in
 * an unfiltered {@code _source}, the span's remaining parts as JSON ({@link SpanSource}) instead of
 * protobuf bytes, and drops the {@code key} field: a filtered {@code _source} made OpenSearch keep
 * a second, unfiltered copy of every document ({@code _recovery_source}) until merges pruned it, and
 * parse and rewrite each document to filter it. Indices of earlier versions keep their layout and
 * go on receiving documents in it ({@link SpanLayouts}). Version 8 gives new span indices' {@code
 * span_terms}, {@code resource_terms} and the numeric attribute fields doc values, so attribute tag
 * values and metrics grouped by attributes are aggregations, and adds {@code span_bool_keys}/{@code
 * resource_bool_keys} and {@code span_list_keys}/{@code resource_list_keys}; earlier indices keep
 * their mapping and are read span by span for those ({@link AttributeTagValues}, {@link
 * MetricsAggregation}). Both carry {@link #MAPPING_VERSION} in their {@code _meta}, for a later version to migrate from.
 */
final class IndexTemplates {
  /** The span indices' own refresh interval; rollup rounds refresh them as spans arrive. */
  static final Duration SPAN_REFRESH_INTERVAL = Duration.ofSeconds(30);

  /** Raised whenever a mapping changes incompatibly. */
  static final int MAPPING_VERSION = 8;
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd");
  private static final long NANOS_PER_DAY = 86_400_000_000_000L;

  private final String prefix;

  IndexTemplates(String prefix) {
    this.prefix = prefix;
  }

  String spanIndexPattern() {
    return prefix + "-spans-*";
  }

  String traceIndex() {
    return prefix + "-traces";
  }

  /** The day (as it appears in index names) a span starting at {@code startNanos} belongs to. */
  static String day(long startNanos) {
    return LocalDate.ofEpochDay(Math.floorDiv(startNanos, NANOS_PER_DAY)).format(DAY);
  }

  /** The first nanosecond after the day of an index name suffix. */
  static long dayEndNanos(String day) {
    return (LocalDate.parse(day, DAY).toEpochDay() + 1) * NANOS_PER_DAY;
  }

  String spanIndex(String day) {
    return prefix + "-spans-" + day;
  }

  /**
   * Whether the index {@code name} may hold spans starting in [from, to] (0: unbounded): a day
   * index whose day overlaps, or an index of another name.
   */
  boolean mayHold(String name, long from, long to) {
    String day = dayOf(name);
    if (day == null) {
      return true;
    }
    long end = dayEndNanos(day);
    return (from <= 0 || end > from) && (to <= 0 || end - NANOS_PER_DAY <= to);
  }

  /** The day suffix of one of this store's span index names, or null for another index. */
  String dayOf(String index) {
    String head = prefix + "-spans-";
    return index.startsWith(head) && index.length() == head.length() + 10 ? index.substring(head.length()) : null;
  }

  /** Creates or updates the template and the trace index; idempotent, safe with several TokenTrail processes. */
  void install(OpenSearchClient client, int shards, int replicas, Duration refreshInterval,
      OpenSearchSpanStoreBuilder.Codec codec) {
    ObjectNode template = OpenSearchClient.JSON.createObjectNode();
    template.putArray("index_patterns").add(spanIndexPattern());
    template.putObject("_meta").put("tokentrail_mapping_version", MAPPING_VERSION);
    ObjectNode body = template.putObject("template");
    ObjectNode spanSettings = body.putObject("settings");
    // Span indices refresh when a rollup round needs it (RollupMaintainer, every refreshInterval
    // while spans arrive): a scheduled refresh as well would double the refreshes (small segments,
    // merges) during ingest. Their own interval is a slow safety net.
    settings(spanSettings, shards, replicas, SPAN_REFRESH_INTERVAL);
    // LZ4 or DEFLATE for stored fields (_source with the span); zstd needs a plugin the minimal distributions lack.
    spanSettings.put("index.codec", codec.setting());
    spanMapping(body.putObject("mappings"));
    client.send(HttpMethod.PUT, "/_index_template/" + prefix + "-spans", template);
    // Span indices of an earlier mapping version gain the fields added since (adding is compatible).
    ObjectNode added = OpenSearchClient.JSON.createObjectNode();
    added.putObject("_meta").put("tokentrail_mapping_version", MAPPING_VERSION);
    ObjectNode addedFields = added.putObject("properties");
    addedFields.putObject(PREFIX_TOKENS).put("type", "long");
    // Not the numeric attribute fields (version 5): their doc values differ by version, and a field's
    // doc values cannot change in place. Documents written into an index without them carry values
    // it ignores and no indexed mark, so searches decide their numbers from the stored span.
    client.send(HttpMethod.PUT, "/" + spanIndexPattern() + "/_mapping?allow_no_indices=true", added);
    ObjectNode refresh = OpenSearchClient.JSON.createObjectNode();
    refresh.put("index.refresh_interval", SPAN_REFRESH_INTERVAL.toMillis() + "ms");
    client.send(HttpMethod.PUT, "/" + spanIndexPattern() + "/_settings?allow_no_indices=true", refresh);
    // Spans a process acknowledged before it ended, and before its rollup round refreshed them.
    client.send(HttpMethod.POST, "/" + spanIndexPattern() + "/_refresh?ignore_unavailable=true&allow_no_indices=true", null);

    ObjectNode traces = OpenSearchClient.JSON.createObjectNode();
    settings(traces.putObject("settings"), shards, replicas, refreshInterval);
    ObjectNode mappings = traces.putObject("mappings");
    mappings.put("dynamic", false);
    mappings.putObject("_meta").put("tokentrail_mapping_version", MAPPING_VERSION);
    ObjectNode props = mappings.putObject("properties");
    keyword(props, TENANT);
    keyword(props, TRACE_ID);
    keyword(props, "days");
    keyword(props, "last");
    TraceRollups.mapping(props);
    try {
      client.send(HttpMethod.PUT, "/" + traceIndex(), traces);
    } catch (OpenSearchClient.OpenSearchException e) {
      if (e.status() != 400 || !e.getMessage().contains("resource_already_exists_exception")) {
        throw e;
      }
      // An index of mapping version 1 gains the rollup fields (adding fields is compatible).
      ObjectNode update = OpenSearchClient.JSON.createObjectNode();
      update.putObject("_meta").put("tokentrail_mapping_version", MAPPING_VERSION);
      update.set("properties", props);
      client.send(HttpMethod.PUT, "/" + traceIndex() + "/_mapping", update);
      // The refresh interval this process was started with (a setting that may have changed since).
      ObjectNode interval = OpenSearchClient.JSON.createObjectNode();
      interval.put("index.refresh_interval", refreshInterval.toMillis() + "ms");
      client.send(HttpMethod.PUT, "/" + traceIndex() + "/_settings", interval);
    }
  }

  private static void settings(ObjectNode settings, int shards, int replicas, Duration refreshInterval) {
    settings.put("index.number_of_shards", shards);
    settings.put("index.number_of_replicas", replicas);
    settings.put("index.refresh_interval", refreshInterval.toMillis() + "ms");
    settings.put("index.translog.durability", "request");
  }

  private static void spanMapping(ObjectNode mappings) {
    mappings.put("dynamic", false);
    mappings.putObject("_meta").put("tokentrail_mapping_version", MAPPING_VERSION);
    ObjectNode p = mappings.putObject("properties");
    for (String f : new String[] {TENANT, TRACE_ID, SPAN_ID, PARENT_ID, NAME, KIND, STATUS, SERVICE, SPAN_KEYS,
        RESOURCE_KEYS, PROVIDER, MODEL, REQUEST_MODEL, RESPONSE_MODEL, OPERATION, REQUEST_HASH, PREFIX_HASH,
        CONVERSATION, TASK, ERROR_TYPE, TEAM, PROJECT, COST_CENTER, FEATURE, OUTCOME}) {
      keyword(p, f);
    }
    // Only ever matched (term queries), never aggregated, sorted or read back: no doc values.
    keyword(p, STATUS_MESSAGE).put("ignore_above", MAX_TERM_CHARS).put("doc_values", false);
    for (String f : new String[] {SPAN_BOOL_KEYS, RESOURCE_BOOL_KEYS, SPAN_LIST_KEYS, RESOURCE_LIST_KEYS}) {
      keyword(p, f).put("doc_values", false);
    }
    // Matched, and aggregated for tag values (version 8 on; AttributeTagValues reads earlier indices another way).
    for (String f : new String[] {SPAN_TERMS, RESOURCE_TERMS}) {
      keyword(p, f).put("ignore_above", MAX_TERM_CHARS);
    }
    for (String f : new String[] {START, END, DURATION, INPUT, OUTPUT, CACHE_READ, CACHE_WRITE, PREFIX_TOKENS, REASONING,
        RETRY}) {
      p.putObject(f).put("type", "long");
    }
    p.putObject(COST).put("type", "double");
    p.putObject(OUTCOME_VALUE).put("type", "double");
    p.putObject(CALL).put("type", "boolean");
    p.putObject(TOOLS).put("type", "boolean");
    // The span's remaining parts (SpanSource): kept in _source, never indexed.
    p.putObject(SpanSource.FIELD).put("type", "object").put("enabled", false);
    // The numeric attribute fields: matched, and aggregated by metrics (doc values from version 8 on).
    for (String field : NUMERIC_FIELDS.values()) {
      p.putObject(field).put("type", "double");
    }
    p.putObject(NUMBERS_INDEXED).put("type", "boolean").put("doc_values", false);
  }

  private static ObjectNode keyword(ObjectNode properties, String field) {
    ObjectNode f = properties.putObject(field);
    f.put("type", "keyword");
    return f;
  }
}
