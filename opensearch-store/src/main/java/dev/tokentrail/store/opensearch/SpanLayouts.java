package dev.tokentrail.store.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.HttpMethod;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which document layout each span index takes. An index created before mapping version 7 keeps only
 * the call fields in {@code _source} (its mapping says which, {@code _source.includes}), so its
 * documents must carry the span as protobuf bytes in the stored {@code span} field; every other
 * index (created from the current template, or not yet created) takes the version 7 layout. Looked
 * up once per index and process, with one request for the indices a bulk first meets.
 */
final class SpanLayouts {
  private final OpenSearchClient client;
  private final ConcurrentHashMap<String, Boolean> protobuf = new ConcurrentHashMap<>();

  SpanLayouts(OpenSearchClient client) {
    this.client = client;
  }

  /** Looks up the layout of the indices not seen before; throws when the cluster cannot answer. */
  void resolve(Collection<String> indices) {
    List<String> unknown = new ArrayList<>();
    for (String index : indices) {
      if (!protobuf.containsKey(index)) {
        unknown.add(index);
      }
    }
    if (unknown.isEmpty()) {
      return;
    }
    JsonNode answer = client.send(HttpMethod.GET, "/" + String.join(",", unknown)
        + "/_mapping?ignore_unavailable=true&allow_no_indices=true&filter_path=*.mappings._source", null);
    for (String index : unknown) {
      protobuf.put(index, !answer.path(index).path("mappings").path("_source").path("includes").isEmpty());
    }
  }

  /** Whether documents for {@code index} keep the span as protobuf bytes ({@link #resolve} first). */
  boolean protobuf(String index) {
    Boolean b = protobuf.get(index);
    if (b == null) {
      throw new IllegalStateException("layout of " + index + " not looked up");
    }
    return b;
  }
}
