package dev.tokentrail.store.opensearch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokentrail.store.StoreOverloadedException;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How the items of one bulk written for coalesced batches are charged: each span's item to its own
 * batch, a trace-day update to every batch with spans of the trace, everything to every batch when
 * the answer does not line up with what was sent.
 */
class BulkFailuresTest {
  private static final String TRACE_A = "0123456789abcdef0123456789abcdef";
  private static final String TRACE_B = "fedcba9876543210fedcba9876543210";

  private static BitSet batches(int... b) {
    BitSet set = new BitSet();
    for (int i : b) {
      set.set(i);
    }
    return set;
  }

  private static JsonNode items(String json) throws Exception {
    return OpenSearchClient.JSON.readTree(json);
  }

  private static String ok(String op) {
    return "{\"" + op + "\":{\"_id\":\"x\",\"status\":201}}";
  }

  private static String failed(String op, String id, int status, String type) {
    return "{\"" + op + "\":{\"_id\":\"" + id + "\",\"status\":" + status + ",\"error\":{\"type\":\"" + type
        + "\",\"reason\":\"r\"}}}";
  }

  @Test
  void aRefusedSpanFailsOnlyItsOwnBatch() throws Exception {
    BulkFailures failures = new BulkFailures(2, Map.of());
    List<BulkOperation> ops = List.of(BulkOperation.index(0, "t", null), BulkOperation.index(1, "t", null),
        BulkOperation.index(1, "t", null));

    failures.record(ops, items("[" + ok("index") + "," + failed("index", "t/bad", 400, "mapper_parsing_exception")
        + "," + ok("index") + "]"));

    assertThat(failures.failure(0, 1)).isNull();
    assertThat(failures.failure(1, 1)).isInstanceOf(OpenSearchClient.OpenSearchException.class)
        .hasMessageContaining("refused 1 of 2").hasMessageContaining("t/bad").hasMessageContaining("mapper_parsing_exception");
  }

  @Test
  void aSpanRejectedForLoadMakesOnlyItsBatchRetryable() throws Exception {
    BulkFailures failures = new BulkFailures(2, Map.of());
    List<BulkOperation> ops = List.of(BulkOperation.index(0, "t", null), BulkOperation.index(1, "t", null));

    failures.record(ops, items("[" + failed("index", "t/a", 429, "es_rejected_execution_exception") + ","
        + ok("index") + "]"));

    RuntimeException failure = failures.failure(0, 7);
    assertThat(failure).isInstanceOf(StoreOverloadedException.class).hasMessageContaining("rejected 1 of 1");
    assertThat(((StoreOverloadedException) failure).retryAfterSeconds()).isEqualTo(7);
    assertThat(failures.failure(1, 7)).isNull();
  }

  @Test
  void aFailedTraceDayUpdateFailsEveryBatchWithSpansOfThatTraceOnly() throws Exception {
    Map<String, BitSet> owners = Map.of(BulkOperation.traceDayKey("t", TRACE_A), batches(0, 2),
        BulkOperation.traceDayKey("t", TRACE_B), batches(1));
    BulkFailures failures = new BulkFailures(3, owners);
    List<BulkOperation> ops = List.of(BulkOperation.traceDay("t", TRACE_A, "2026.01.02"),
        BulkOperation.traceDay("t", TRACE_B, "2026.01.02"), BulkOperation.index(0, "t", null),
        BulkOperation.index(1, "t", null), BulkOperation.index(2, "t", null));

    failures.record(ops, items("[" + failed("update", "t/" + TRACE_A, 409, "version_conflict_engine_exception")
        + "," + ok("update") + "," + ok("index") + "," + ok("index") + "," + ok("index") + "]"));

    assertThat(failures.failure(0, 1)).hasMessageContaining("version_conflict_engine_exception");
    assertThat(failures.failure(2, 1)).hasMessageContaining("version_conflict_engine_exception");
    assertThat(failures.failure(1, 1)).isNull();
  }

  @Test
  void aDeleteOfACopyAlreadyGoneIsNoFailure() throws Exception {
    BulkFailures failures = new BulkFailures(1, Map.of());
    List<BulkOperation> ops = List.of(BulkOperation.index(0, "t", null),
        BulkOperation.delete(0, "p-spans-2026.01.01", "t/x"));

    failures.record(ops, items("[" + ok("index") + ",{\"delete\":{\"_id\":\"t/x\",\"status\":404,"
        + "\"result\":\"not_found\"}}]"));

    assertThat(failures.failure(0, 1)).isNull();
  }

  @Test
  void anAnswerNotLiningUpWithTheOperationsFailsEveryBatchOfTheBulk() throws Exception {
    BulkFailures failures = new BulkFailures(3, Map.of());
    List<BulkOperation> ops = List.of(BulkOperation.index(0, "t", null), BulkOperation.index(1, "t", null));

    failures.record(ops, items("[" + failed("index", "t/a", 400, "mapper_parsing_exception") + "]"));

    assertThat(failures.failure(0, 1)).hasMessageContaining("mapper_parsing_exception");
    assertThat(failures.failure(1, 1)).hasMessageContaining("mapper_parsing_exception");
    assertThat(failures.failure(2, 1)).as("a batch with nothing in that bulk").isNull();
  }
}
