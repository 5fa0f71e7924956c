package dev.tokentrail.store.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpMethod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Retention by deleting whole day indices: a day's index goes once its last nanosecond is older
 * than the retention, so a span is kept at least the retention after its start and at most a day
 * longer. Trace index entries whose last day went are deleted with it. Sweeps run when a write or
 * read notices that the cutoff moved to a new day; with several TokenTrail processes each sweeps,
 * and deleting an index twice is harmless.
 */
final class Retention {
  private final OpenSearchClient client;
  private final IndexTemplates indices;
  private final Clock clock;
  private final Duration retention;
  private String sweptDay;

  Retention(OpenSearchClient client, IndexTemplates indices, Clock clock, Duration retention) {
    this.client = client;
    this.indices = indices;
    this.clock = clock;
    this.retention = retention;
  }

  /** Spans starting before this are past retention; {@link Long#MIN_VALUE} without retention. */
  long cutoffNanos() {
    if (retention == null) {
      return Long.MIN_VALUE;
    }
    Instant now = clock.instant();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano() - retention.toNanos();
  }

  /** Deletes the indices the cutoff passed since the last sweep. */
  synchronized void sweepIfDue() {
    if (retention == null) {
      return;
    }
    long cutoff = cutoffNanos();
    String cutoffDay = IndexTemplates.day(cutoff);
    if (cutoffDay.equals(sweptDay)) {
      return;
    }
    JsonNode listed = client.send(HttpMethod.GET,
        "/_cat/indices/" + indices.spanIndexPattern() + "?format=json&h=index&expand_wildcards=open", null);
    for (JsonNode row : listed) {
      String index = row.path("index").asText();
      String day = indices.dayOf(index);
      if (day != null && IndexTemplates.dayEndNanos(day) <= cutoff) {
        try {
          client.send(HttpMethod.DELETE, "/" + index, null);
        } catch (OpenSearchClient.OpenSearchException e) {
          if (e.status() != 404) {
            throw e;
          }
        }
      }
    }
    ObjectNode query = SpanQueries.json();
    query.putObject("query").putObject("range").putObject("last").put("lt", cutoffDay);
    client.send(HttpMethod.POST, "/" + indices.traceIndex() + "/_delete_by_query?conflicts=proceed&refresh=true", query);
    sweptDay = cutoffDay;
  }
}
