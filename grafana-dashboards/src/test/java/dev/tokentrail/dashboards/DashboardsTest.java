package dev.tokentrail.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Static checks of every dashboard against the provisioning files, as Grafana would load them. */
class DashboardsTest {
  private static final List<Dashboard> DASHBOARDS = Dashboard.all();
  private static final Map<String, JsonNode> DATASOURCES = ModuleFiles.datasources();
  private static final String INFINITY = "yesoreyeram-infinity-datasource";
  /** A PromQL range selector or offset with a literal duration, e.g. {@code [5m]}, {@code offset 1h}. */
  private static final Pattern LITERAL_RANGE = Pattern.compile("\\[\\s*\\d+[smhdwy]|\\boffset\\s+-?\\d");
  /** Infinity endpoints that take a time window (docs/waste.md); the others have none. */
  private static final Set<String> UNWINDOWED_ENDPOINTS = Set.of("budgets", "unknown-models");
  /** The filters each Infinity endpoint takes when not all four (docs/api.md). */
  private static final Map<String, List<String>> ENDPOINT_FILTERS = Map.of("budgets", List.of("team", "project"), "unknown-models", List.of());
  /** Panels that reduce their data to values (reduceOptions). */
  private static final Set<String> REDUCING_PANELS = Set.of("stat", "bargauge", "gauge", "piechart");
  static final String TRACEQL_MODEL_FILTER = "(span.gen_ai.response.model =~ \"$model\" || span.gen_ai.request.model =~ \"$model\")";

  @Test
  void theFourDashboardsAreCurrentGrafanaJsonWithUniqueUids() {
    assertThat(DASHBOARDS).extracting(Dashboard::name)
        .containsExactly("budgets.json", "ingest-health.json", "spend.json", "waste.json");
    Set<String> uids = new HashSet<>();
    for (Dashboard d : DASHBOARDS) {
      assertThat(d.json().path("schemaVersion").asInt()).as(d.name() + " schemaVersion").isGreaterThanOrEqualTo(39);
      assertThat(d.json().path("title").asText()).as(d.name() + " title").startsWith("TokenTrail / ");
      assertThat(uids.add(d.uid())).as(d.name() + " uid " + d.uid() + " is unique").isTrue();
      assertThat(d.uid()).as(d.name() + " uid").matches("[a-z0-9-]{1,40}");
    }
  }

  @Test
  void panelIdsAreUniqueWithinEachDashboard() {
    for (Dashboard d : DASHBOARDS) {
      Set<Integer> ids = new HashSet<>();
      for (JsonNode panel : d.panels()) {
        assertThat(panel.has("id")).as(d.name() + " panel '" + panel.path("title").asText() + "' has an id").isTrue();
        assertThat(ids.add(panel.path("id").asInt())).as(d.name() + " panel id " + panel.path("id").asInt() + " is unique").isTrue();
      }
    }
  }

  @Test
  void panelsFitTheGridWithoutOverlapping() {
    for (Dashboard d : DASHBOARDS) {
      List<int[]> placed = new ArrayList<>();
      for (JsonNode panel : d.panels()) {
        JsonNode g = panel.path("gridPos");
        int[] box = {g.path("x").asInt(), g.path("y").asInt(), g.path("w").asInt(), g.path("h").asInt()};
        String where = d.name() + " panel '" + panel.path("title").asText() + "'";
        assertThat(box[2]).as(where + " width").isPositive();
        assertThat(box[3]).as(where + " height").isPositive();
        assertThat(box[0] + box[2]).as(where + " right edge").isLessThanOrEqualTo(24);
        for (int[] other : placed) {
          boolean overlaps = box[0] < other[0] + other[2] && other[0] < box[0] + box[2]
              && box[1] < other[1] + other[3] && other[1] < box[1] + box[3];
          assertThat(overlaps).as(where + " overlaps another panel").isFalse();
        }
        placed.add(box);
      }
    }
  }

  @Test
  void everyDataSourceUidIsProvisionedWithTheSameType() {
    assertThat(DATASOURCES).containsOnlyKeys("tokentrail-prometheus", "tokentrail-tempo", "tokentrail-infinity");
    for (Dashboard d : DASHBOARDS) {
      List<JsonNode> refs = new ArrayList<>();
      for (JsonNode panel : d.panels()) {
        if (!panel.path("type").asText().equals("row")) {
          assertThat(panel.has("datasource")).as(d.name() + " panel '" + panel.path("title").asText() + "' names its data source").isTrue();
        }
        refs.add(panel.path("datasource"));
        panel.path("targets").forEach(t -> refs.add(t.path("datasource")));
      }
      d.variables().forEach(v -> refs.add(v.path("datasource")));
      for (JsonNode ref : refs) {
        if (ref.isMissingNode()) {
          continue;
        }
        String uid = ref.path("uid").asText();
        assertThat(DATASOURCES).as(d.name() + " references data source uid " + uid).containsKey(uid);
        assertThat(ref.path("type").asText()).as(d.name() + " type of " + uid).isEqualTo(DATASOURCES.get(uid).path("type").asText());
      }
    }
  }

  @Test
  void everyVariableAQueryUsesIsDefined() {
    for (Dashboard d : DASHBOARDS) {
      Set<String> defined = new HashSet<>(GrafanaTemplate.BUILT_INS);
      d.variables().forEach(v -> defined.add(v.path("name").asText()));
      for (Dashboard.Query q : d.queries()) {
        for (String text : queryTexts(q.target())) {
          assertThat(GrafanaTemplate.references(text)).as(d.name() + " " + q.where() + ": " + text).isSubsetOf(defined);
        }
      }
      for (JsonNode v : d.variables()) {
        String text = v.path("query").path("query").asText();
        assertThat(GrafanaTemplate.references(text)).as(d.name() + " variable " + v.path("name").asText()).isSubsetOf(defined);
      }
      for (JsonNode panel : d.panels()) {
        for (JsonNode link : panel.findValues("links")) {
          assertThat(GrafanaTemplate.references(link.toString())).as(d.name() + " links of '" + panel.path("title").asText() + "'")
              .isSubsetOf(defined);
        }
      }
    }
  }

  @Test
  void variablesOfferAllAsTheRegexAllValueAndAreFilledFromPrometheus() {
    for (Dashboard d : DASHBOARDS) {
      assertThat(d.variables()).as(d.name() + " variables").isNotEmpty();
      for (JsonNode v : d.variables()) {
        String where = d.name() + " variable " + v.path("name").asText();
        assertThat(v.path("type").asText()).as(where).isEqualTo("query");
        assertThat(v.path("datasource").path("uid").asText()).as(where).isEqualTo("tokentrail-prometheus");
        assertThat(v.path("query").path("query").asText()).as(where).startsWith("label_values(");
        // One all-value that PromQL matches as a regex and /api/v1/ reads as "no filter".
        assertThat(v.path("includeAll").asBoolean()).as(where + " includeAll").isTrue();
        assertThat(v.path("allValue").asText()).as(where + " allValue").isEqualTo(".*");
      }
    }
    assertThat(Dashboard.named("spend.json").variables()).extracting(v -> v.path("name").asText())
        .containsExactly("team", "project", "service", "model");
    assertThat(Dashboard.named("waste.json").variables()).extracting(v -> v.path("name").asText())
        .containsExactly("team", "project", "service", "model");
  }

  @Test
  void noQueryHardCodesATimeRange() {
    for (Dashboard d : DASHBOARDS) {
      for (Dashboard.Query q : d.queries()) {
        String where = d.name() + " " + q.where();
        JsonNode t = q.target();
        switch (DATASOURCES.get(q.datasourceUid()).path("type").asText()) {
          case "prometheus" -> assertThat(LITERAL_RANGE.matcher(t.path("expr").asText()).find())
              .as(where + " has a literal range or offset: " + t.path("expr").asText()).isFalse();
          case "tempo" -> assertThat(t.has("start") || t.has("end")).as(where + " fixes start/end").isFalse();
          case INFINITY -> {
            Map<String, String> params = InfinityQuery.of(t).params();
            String endpoint = t.path("url").asText();
            if (UNWINDOWED_ENDPOINTS.contains(endpoint)) {
              assertThat(params).as(where).doesNotContainKeys("from", "to");
            } else {
              assertThat(params).as(where + " window from the time picker")
                  .containsEntry("from", "${__from}").containsEntry("to", "${__to}");
            }
            assertThat(endpoint).as(where + " url carries no parameters (they go in url_options)").doesNotContain("?");
          }
          default -> throw new AssertionError(where + ": unexpected data source " + q.datasourceUid());
        }
      }
    }
  }

  @Test
  void infinityPanelsReferToTheColumnsTheirQueriesSelect() {
    for (Dashboard d : DASHBOARDS) {
      for (Dashboard.Query q : d.queries()) {
        if (!q.datasourceUid().equals("tokentrail-infinity")) {
          continue;
        }
        String where = d.name() + " " + q.where();
        InfinityQuery infinity = InfinityQuery.of(q.target());
        assertThat(q.target().path("parser").asText()).as(where + " parser").isEqualTo("backend");
        assertThat(infinity.columns()).as(where + " columns").isNotEmpty();
        Set<String> texts = infinity.columnTexts();
        for (JsonNode override : q.panel().path("fieldConfig").path("overrides")) {
          if (override.path("matcher").path("id").asText().equals("byName")) {
            assertThat(texts).as(where + " override target").contains(override.path("matcher").path("options").asText());
          }
        }
        String fields = q.panel().path("options").path("reduceOptions").path("fields").asText();
        if (!fields.isEmpty()) {
          Pattern field = Pattern.compile(fields.substring(1, fields.length() - 1));
          assertThat(texts).as(where + " reduces " + fields).anyMatch(text -> field.matcher(text).matches());
        }
      }
    }
  }

  @Test
  void reducingPanelsShowOneValuePerRowOfAnInfinityTableWithARowLabel() {
    // With reduceOptions.values=false Grafana reduces each numeric column to one number (the
    // calc), so a table whose string column names its rows (kinds, teams) shows a single value.
    // A string column pinned to one row by an equality filterExpression names nothing to split by.
    for (Dashboard d : DASHBOARDS) {
      for (Dashboard.Query q : d.queries()) {
        if (!q.datasourceUid().equals("tokentrail-infinity") || !REDUCING_PANELS.contains(q.panel().path("type").asText())
            || !q.target().path("format").asText().equals("table")) {
          continue;
        }
        Set<String> pinned = InfinityQuery.equalityFilterColumns(q.target().path("filterExpression").asText());
        List<String> rowLabels = InfinityQuery.of(q.target()).columns().stream()
            .filter(c -> c.type().equals("string") && !pinned.contains(c.text())).map(InfinityQuery.Column::text).toList();
        if (!rowLabels.isEmpty()) {
          assertThat(q.panel().path("options").path("reduceOptions").path("values").asBoolean())
              .as(d.name() + " " + q.where() + " reduces a table with row labels " + rowLabels + ": reduceOptions.values").isTrue();
        }
      }
    }
  }

  @Test
  void infinityFiltersAndTransformationsNameFieldsTheFramesHave() {
    for (Dashboard d : DASHBOARDS) {
      for (Dashboard.Query q : d.queries()) {
        if (!q.datasourceUid().equals("tokentrail-infinity")) {
          continue;
        }
        String where = d.name() + " " + q.where();
        InfinityQuery infinity = InfinityQuery.of(q.target());
        String filter = q.target().path("filterExpression").asText();
        if (!filter.isBlank()) {
          assertThat(InfinityQuery.equalityFilterColumns(filter)).as(where + " filterExpression " + filter).isNotEmpty();
          assertThat(infinity.columnTexts()).as(where + " filterExpression " + filter + " (Infinity filters on column texts)")
              .containsAll(InfinityQuery.equalityFilterColumns(filter));
        }
        // Format timeseries: Infinity's backend turns long rows (time, string, number) into one
        // series per string value (LongToWide), so the string columns are labels, not fields.
        Set<String> fields = new HashSet<>(infinity.columnTexts());
        if (q.target().path("format").asText().equals("timeseries")) {
          infinity.columns().stream().filter(c -> c.type().equals("string")).forEach(c -> fields.remove(c.text()));
        }
        for (JsonNode transformation : q.panel().path("transformations")) {
          for (JsonNode field : transformation.path("options").path("fields")) {
            if (field.isTextual()) {
              assertThat(fields).as(where + " transformation " + transformation.path("id").asText() + " field").contains(field.asText());
            }
          }
        }
      }
    }
  }

  @Test
  void infinityQueriesPassEveryDashboardVariableTheirEndpointFiltersBy() {
    for (Dashboard d : DASHBOARDS) {
      Set<String> variables = new HashSet<>();
      d.variables().forEach(v -> variables.add(v.path("name").asText()));
      for (Dashboard.Query q : d.queries()) {
        if (!q.datasourceUid().equals("tokentrail-infinity")) {
          continue;
        }
        InfinityQuery infinity = InfinityQuery.of(q.target());
        List<String> filters = ENDPOINT_FILTERS.getOrDefault(infinity.url(), List.of("team", "project", "service", "model"));
        for (String name : filters) {
          if (variables.contains(name)) {
            assertThat(infinity.params()).as(d.name() + " " + q.where() + " filters by $" + name).containsEntry(name, "$" + name);
          }
        }
      }
    }
  }

  @Test
  void labelVariablesLeaveOutTheBoundedLabelPlaceholders() {
    // IngestMetrics labels a value past a label's cardinality cap "other" and a missing one
    // "unknown" (BoundedLabels): no span has such a team or model, so the Infinity and TraceQL
    // panels would show No data for them. "All" (.*) still covers their series in PromQL.
    for (String name : List.of("spend.json", "waste.json")) {
      for (JsonNode v : Dashboard.named(name).variables()) {
        String where = name + " variable " + v.path("name").asText();
        String regex = v.path("regex").asText();
        assertThat(regex).as(where + " regex").startsWith("/").endsWith("/");
        Pattern pattern = Pattern.compile(regex.substring(1, regex.length() - 1));
        // Grafana takes a capture group's match as the value; there must be none.
        assertThat(pattern.matcher("").groupCount()).as(where + " capture groups in " + regex).isZero();
        for (String placeholder : List.of("other", "unknown")) {
          assertThat(pattern.matcher(placeholder).find()).as(where + " offers " + placeholder).isFalse();
        }
        for (String value : List.of("support", "checkout-assistant", "gpt-4o-2024-08-06", "other-team", "unknown-llm", "a")) {
          assertThat(pattern.matcher(value).find()).as(where + " offers " + value).isTrue();
        }
      }
    }
  }

  @Test
  void traceQlModelFiltersMatchTheBilledOrTheRequestedModel() {
    // $model holds the Prometheus model label, the billed model: the response model when the
    // provider reported one. A span keeps the model asked for in gen_ai.request.model.
    int checked = 0;
    for (Dashboard d : DASHBOARDS) {
      for (Dashboard.Query q : d.queries()) {
        String query = q.target().path("query").asText();
        if (!q.datasourceUid().equals("tokentrail-tempo") || !GrafanaTemplate.references(query).contains("model")) {
          continue;
        }
        assertThat(query).as(d.name() + " " + q.where()).contains(TRACEQL_MODEL_FILTER);
        assertThat(query.replace(TRACEQL_MODEL_FILTER, "")).as(d.name() + " " + q.where() + " uses $model only in the billed-or-requested filter")
            .doesNotContain("$model");
        checked++;
      }
    }
    assertThat(checked).isEqualTo(2);
  }

  /** What Grafana's Tempo data source sends to /api/metrics instead of /api/search (traceql_query.go). */
  static final Pattern TRACEQL_METRICS = Pattern.compile(
      "\\|\\s*(rate|count_over_time|avg_over_time|sum_over_time|max_over_time|min_over_time|quantile_over_time|histogram_over_time|compare)\\s*\\(");

  @Test
  void traceQlMetricsPanelsAreRangeQueriesTheServerParses() {
    List<String> titles = new ArrayList<>();
    for (Dashboard d : DASHBOARDS) {
      for (Dashboard.Query q : d.queries()) {
        String query = q.target().path("query").asText();
        if (!q.datasourceUid().equals("tokentrail-tempo") || !TRACEQL_METRICS.matcher(query).find()) {
          continue;
        }
        String where = d.name() + " " + q.where();
        assertThat(q.target().path("queryType").asText()).as(where).isEqualTo("traceql");
        assertThat(q.target().path("metricsQueryType").asText()).as(where).isEqualTo("range");
        assertThat(q.panel().path("type").asText()).as(where).isEqualTo("timeseries");
        assertThat(q.panel().path("fieldConfig").path("defaults").path("unit").asText()).as(where).isEqualTo("currencyUSD");
        // Variables at their all-value: the query must be one the server's parser accepts.
        dev.tokentrail.query.traceql.TraceQlParser.parseMetrics(query.replace("$service", ".*"));
        titles.add(q.panelTitle());
      }
    }
    assertThat(titles).containsExactlyInAnyOrder(
        "Spend by model from spans (USD per step)", "Spend by team from spans (USD per step)",
        "Spend by any attribute from spans (here: service and provider)", "Cost per call: p50, p95, p99 (USD)");
  }

  @Test
  void infinityStatsShowZeroRatherThanNoData() {
    for (Dashboard d : DASHBOARDS) {
      for (Dashboard.Query q : d.queries()) {
        if (q.datasourceUid().equals("tokentrail-infinity") && q.panel().path("type").asText().equals("stat")) {
          assertThat(q.panel().path("fieldConfig").path("defaults").path("noValue").asText()).as(d.name() + " " + q.where() + " noValue")
              .isEqualTo("0");
        }
      }
    }
  }

  @Test
  void everyWasteFindingsTableLinksItsTraceIdsToExploreOnTheTempoDataSource() {
    List<JsonNode> findings = Dashboard.named("waste.json").panels().stream()
        .filter(p -> p.path("title").asText().endsWith(": findings")).toList();
    assertThat(findings).extracting(p -> p.path("title").asText()).containsExactly(
        "Wasted retries: findings", "Context growth: findings", "Cache opportunity: findings", "Overkill models: findings");
    for (JsonNode panel : findings) {
      String where = "waste.json '" + panel.path("title").asText() + "'";
      assertThat(InfinityQuery.of(panel.path("targets").get(0)).columns()).as(where)
          .anySatisfy(c -> assertThat(c.selector() + "=" + c.text()).isEqualTo("traceId=Trace"));
      JsonNode link = traceLink(panel);
      assertThat(link).as(where + " has a link on the Trace column").isNotNull();
      assertThat(link.path("internal").path("datasourceUid").asText()).as(where).isEqualTo("tokentrail-tempo");
      assertThat(link.path("internal").path("query").path("query").asText()).as(where).isEqualTo("${__value.raw}");
    }
  }

  @Test
  void everyPanelIsDescribed() {
    for (Dashboard d : DASHBOARDS) {
      for (JsonNode panel : d.panels()) {
        if (!panel.path("type").asText().equals("row")) {
          assertThat(panel.path("description").asText()).as(d.name() + " '" + panel.path("title").asText() + "' description").isNotBlank();
          assertThat(panel.path("targets")).as(d.name() + " '" + panel.path("title").asText() + "' targets").isNotEmpty();
        }
      }
    }
  }

  @Test
  void theDashboardProviderReadsTheFolderDockerComposeMounts() {
    JsonNode provider = ModuleFiles.yaml("provisioning/dashboards/tokentrail.yml").path("providers").get(0);
    assertThat(provider.path("type").asText()).isEqualTo("file");
    String path = provider.path("options").path("path").asText();
    JsonNode grafana = ModuleFiles.yaml("docker-compose.yml").path("services").path("grafana");
    List<String> volumes = new ArrayList<>();
    grafana.path("volumes").forEach(v -> volumes.add(v.asText()));
    assertThat(volumes).contains("./dashboards:" + path + ":ro", "./provisioning:/etc/grafana/provisioning:ro");
    // Every ${VAR} the data sources use is set for the Grafana container.
    Matcher env = Pattern.compile("\\$\\{(\\w+)}").matcher(ModuleFiles.yaml("provisioning/datasources/tokentrail.yml").toString());
    while (env.find()) {
      assertThat(grafana.path("environment").has(env.group(1))).as("docker-compose sets " + env.group(1)).isTrue();
    }
  }

  @Test
  void everyTokenTrailMetricIsOnADashboardOrInAnAlert() throws Exception {
    String docs = java.nio.file.Files.readString(ModuleFiles.dir("../docs/api.md"));
    Set<String> documented = new HashSet<>();
    Matcher metric = Pattern.compile("`(tokentrail_\\w+)`").matcher(docs);
    while (metric.find()) {
      documented.add(metric.group(1));
    }
    StringBuilder used = new StringBuilder(java.nio.file.Files.readString(ModuleFiles.dir("prometheus/rules/tokentrail-alerts.yml")));
    DASHBOARDS.forEach(d -> used.append(d.json()));
    assertThat(documented).as("metrics in docs/api.md").hasSizeGreaterThan(20);
    for (String name : documented) {
      assertThat(used.toString()).as(name + " is used").contains(name);
    }
  }

  private static JsonNode traceLink(JsonNode panel) {
    for (JsonNode override : panel.path("fieldConfig").path("overrides")) {
      if (override.path("matcher").path("options").asText().equals("Trace")) {
        for (JsonNode property : override.path("properties")) {
          if (property.path("id").asText().equals("links")) {
            return property.path("value").get(0);
          }
        }
      }
    }
    return null;
  }

  /** Every text of a target that Grafana interpolates. */
  private static List<String> queryTexts(JsonNode target) {
    List<String> texts = new ArrayList<>();
    for (String field : List.of("expr", "query", "url")) {
      if (target.hasNonNull(field)) {
        texts.add(target.path(field).asText());
      }
    }
    target.path("url_options").path("params").forEach(p -> texts.add(p.path("value").asText()));
    return texts;
  }
}
