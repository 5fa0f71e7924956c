package dev.tokentrail.store.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.HttpMethod;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which document layout each span index takes. An index created before mapping version 7 keeps only
 * the call fields in {@code _source} (its mapping says which, {@code _source.includes}), so its
 * documents must carry the span as protobuf bytes in the stored {@code span} field; every other
 * index (created from the current template, or not yet created) takes the version 7 layout. Looked
 * up once per existing index and process, with one request for the indices a bulk first meets.
 */
final class SpanLayouts {
  private final OpenSearchClient client;
  private final ConcurrentHashMap<String, Boolean> protobuf = new ConcurrentHashMap<>();

  SpanLayouts(OpenSearchClient client) {
    this.client = client;
  }

  /**
   * The layout of each of {@code indices} (true: protobuf) for one bulk; throws when the cluster
   * cannot answer. An index that does not exist yet is asked about again next time: the bulk
   * creates it from whichever template is installed then.
   */
  Map<String, Boolean> resolve(Collection<String> indices) {
    Map<String, Boolean> out = new HashMap<>();
    List<String> unknown = new ArrayList<>();
    for (String index : indices) {
      Boolean known = protobuf.get(index);
      if (known != null) {
        out.put(index, known);
      } else {
        unknown.add(index);
      }
    }
    if (unknown.isEmpty()) {
      return out;
    }
    // An index TokenTrail created has a mapping version in _meta; one made otherwise, a _source filter or none.
    JsonNode answer = client.send(HttpMethod.GET, "/" + String.join(",", unknown) + "/_mapping?ignore_unavailable=true"
        + "&allow_no_indices=true&filter_path=*.mappings._source,*.mappings._meta.tokentrail_mapping_version", null);
    for (String index : unknown) {
      boolean filtered = !answer.path(index).path("mappings").path("_source").path("includes").isEmpty();
      out.put(index, filtered);
      if (answer.has(index)) {
        protobuf.put(index, filtered);
      }
    }
    return out;
  }
}
