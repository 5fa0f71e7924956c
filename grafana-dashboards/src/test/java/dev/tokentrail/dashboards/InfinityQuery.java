package dev.tokentrail.dashboards;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** An Infinity data source target: a URL relative to the data source's, parameters, columns. */
record InfinityQuery(String url, Map<String, String> params, String rootSelector, List<Column> columns, String filterExpression) {
  /** A column: the row field it reads, the name Grafana shows, and its Infinity type. */
  record Column(String selector, String text, String type) {}

  static InfinityQuery of(JsonNode target) {
    Map<String, String> params = new LinkedHashMap<>();
    target.path("url_options").path("params").forEach(p -> params.put(p.path("key").asText(), p.path("value").asText()));
    List<Column> columns = new ArrayList<>();
    target.path("columns").forEach(c -> columns.add(new Column(c.path("selector").asText(), c.path("text").asText(), c.path("type").asText())));
    return new InfinityQuery(target.path("url").asText(), params, target.path("root_selector").asText(), columns,
        target.path("filterExpression").asText());
  }

  InfinityQuery(String url, Map<String, String> params, String rootSelector, List<Column> columns) {
    this(url, params, rootSelector, columns, "");
  }

  /** An equality term of a filter expression: {@code field == 'value'}. */
  private static final java.util.regex.Pattern EQUALS = java.util.regex.Pattern.compile("(\\w+)\\s*==\\s*'([^']*)'");

  /**
   * The fields a backend filter expression pins with {@code field == 'value'}, joined by
   * {@code &&}; empty for no expression; an error for any other form (the tests evaluate only this one).
   */
  static Set<String> equalityFilterColumns(String expression) {
    return equalityFilter(expression).keySet();
  }

  /** {@link #equalityFilterColumns}' fields with their values. */
  static Map<String, String> equalityFilter(String expression) {
    Map<String, String> terms = new LinkedHashMap<>();
    if (expression == null || expression.isBlank()) {
      return terms;
    }
    for (String term : expression.split("&&")) {
      java.util.regex.Matcher m = EQUALS.matcher(term.strip());
      if (!m.matches()) {
        throw new IllegalArgumentException("filterExpression term not of the form field == 'value': " + term);
      }
      terms.put(m.group(1), m.group(2));
    }
    return terms;
  }

  Set<String> columnTexts() {
    Set<String> texts = new LinkedHashSet<>();
    columns.forEach(c -> texts.add(c.text()));
    return texts;
  }
}
