package dev.tokentrail.dashboards;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** An Infinity data source target: a URL relative to the data source's, parameters, columns. */
record InfinityQuery(String url, Map<String, String> params, String rootSelector, List<Column> columns) {
  /** A column: the row field it reads, the name Grafana shows, and its Infinity type. */
  record Column(String selector, String text, String type) {}

  static InfinityQuery of(JsonNode target) {
    Map<String, String> params = new LinkedHashMap<>();
    target.path("url_options").path("params").forEach(p -> params.put(p.path("key").asText(), p.path("value").asText()));
    List<Column> columns = new ArrayList<>();
    target.path("columns").forEach(c -> columns.add(new Column(c.path("selector").asText(), c.path("text").asText(), c.path("type").asText())));
    return new InfinityQuery(target.path("url").asText(), params, target.path("root_selector").asText(), columns);
  }

  Set<String> columnTexts() {
    Set<String> texts = new LinkedHashSet<>();
    columns.forEach(c -> texts.add(c.text()));
    return texts;
  }
}
