package dev.tokentrail.dashboards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** One dashboard file of {@code dashboards/}, read as Grafana's dashboard JSON model. */
record Dashboard(Path file, JsonNode json) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A query of a panel: its target and the data source it runs on (the target's, else the panel's). */
  record Query(JsonNode panel, JsonNode target, String datasourceUid) {
    String panelTitle() {
      return panel.path("title").asText();
    }

    String where() {
      return "panel '" + panelTitle() + "' (id " + panel.path("id").asInt() + ") target " + target.path("refId").asText();
    }
  }

  static Dashboard read(Path file) {
    try {
      return new Dashboard(file, JSON.readTree(file.toFile()));
    } catch (IOException e) {
      throw new UncheckedIOException("invalid dashboard JSON " + file, e);
    }
  }

  /** The dashboards folder of this module, every {@code *.json} in it, by file name. */
  static List<Dashboard> all() {
    try (Stream<Path> files = Files.list(ModuleFiles.dir("dashboards"))) {
      return files.filter(f -> f.toString().endsWith(".json")).sorted().map(Dashboard::read).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The dashboard of this module with file name {@code name}. */
  static Dashboard named(String name) {
    return all().stream().filter(d -> d.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no dashboard " + name));
  }

  /** The (first) query of the panel titled {@code title}. */
  Query query(String title) {
    return queries().stream().filter(q -> q.panelTitle().equals(title)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException(name() + " has no panel " + title));
  }

  String uid() {
    return json.path("uid").asText();
  }

  String name() {
    return file.getFileName().toString();
  }

  /** Every panel, rows included, with the panels of collapsed rows. */
  List<JsonNode> panels() {
    List<JsonNode> panels = new ArrayList<>();
    for (JsonNode panel : json.path("panels")) {
      panels.add(panel);
      panel.path("panels").forEach(panels::add);
    }
    return panels;
  }

  List<JsonNode> variables() {
    List<JsonNode> variables = new ArrayList<>();
    json.path("templating").path("list").forEach(variables::add);
    return variables;
  }

  List<Query> queries() {
    List<Query> queries = new ArrayList<>();
    for (JsonNode panel : panels()) {
      for (JsonNode target : panel.path("targets")) {
        String uid = target.path("datasource").path("uid").asText(panel.path("datasource").path("uid").asText());
        queries.add(new Query(panel, target, uid));
      }
    }
    return queries;
  }
}
