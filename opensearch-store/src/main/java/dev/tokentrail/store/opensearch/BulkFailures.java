package dev.tokentrail.store.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokentrail.store.StoreOverloadedException;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * The failed items of the bulks written for a group of coalesced batches, charged to the batches
 * they concern: a span's index or delete to its own batch, a trace-day update to every batch with
 * spans of that trace. An answer whose items do not line up with the operations sent is charged to
 * every batch of that bulk.
 */
final class BulkFailures {
  private final Map<String, BitSet> traceOwners;
  private final int[] items;
  private final int[] failed;
  private final int[] overloaded;
  private final String[] first;

  BulkFailures(int batches, Map<String, BitSet> traceOwners) {
    this.traceOwners = traceOwners;
    this.items = new int[batches];
    this.failed = new int[batches];
    this.overloaded = new int[batches];
    this.first = new String[batches];
  }

  /** Records the answer's items for the operations of one bulk. */
  void record(List<BulkOperation> ops, JsonNode answerItems) {
    boolean aligned = answerItems.size() == ops.size();
    BitSet all = new BitSet();
    if (aligned) {
      for (BulkOperation op : ops) {
        charge(op, all, true);
      }
    } else {
      for (BulkOperation op : ops) {
        charge(op, all, false);
      }
      all.stream().forEach(b -> items[b] += answerItems.size());
    }
    int i = 0;
    for (JsonNode item : answerItems) {
      BulkOperation op = aligned ? ops.get(i) : null;
      i++;
      JsonNode result = item.elements().next();
      int status = result.path("status").asInt();
      boolean missingDelete = item.has("delete") && status == 404;
      if (status < 300 || missingDelete) {
        continue;
      }
      boolean load = status == 429 || result.path("error").path("type").asText().contains("rejected_execution");
      String what = result.path("_id").asText() + ": " + result.path("error");
      BitSet owners = op == null ? all : owners(op);
      owners.stream().forEach(b -> {
        failed[b]++;
        if (load) {
          overloaded[b]++;
        }
        if (first[b] == null) {
          first[b] = what;
        }
      });
    }
  }

  private void charge(BulkOperation op, BitSet all, boolean count) {
    BitSet owners = owners(op);
    all.or(owners);
    if (count) {
      owners.stream().forEach(b -> items[b]++);
    }
  }

  private BitSet owners(BulkOperation op) {
    if (op.shared()) {
      return traceOwners.getOrDefault(op.traceDayKey(), new BitSet());
    }
    BitSet one = new BitSet();
    one.set(op.owner());
    return one;
  }

  /** The failure to complete batch {@code b} with, or null when all its items succeeded. */
  RuntimeException failure(int b, int retryAfterSeconds) {
    if (failed[b] == 0) {
      return null;
    }
    if (overloaded[b] > 0) {
      return new StoreOverloadedException("OpenSearch rejected " + overloaded[b] + " of " + items[b]
          + " bulk items for load; first: " + OpenSearchClient.abbreviate(first[b]), retryAfterSeconds);
    }
    return new OpenSearchClient.OpenSearchException(400, "OpenSearch refused " + failed[b] + " of " + items[b]
        + " bulk items; first: " + OpenSearchClient.abbreviate(first[b]));
  }
}
