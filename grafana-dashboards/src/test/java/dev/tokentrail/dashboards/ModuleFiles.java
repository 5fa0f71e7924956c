package dev.tokentrail.dashboards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The files this module ships, read from its folder (the tests' working directory). */
final class ModuleFiles {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private ModuleFiles() {}

  static Path dir(String relative) {
    Path path = Path.of(relative).toAbsolutePath().normalize();
    if (!Files.exists(path)) {
      throw new IllegalStateException(relative + ": not found under " + Path.of("").toAbsolutePath() + " (run the tests from the grafana-dashboards module)");
    }
    return path;
  }

  static JsonNode yaml(String relative) {
    try {
      return YAML.readTree(dir(relative).toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("invalid YAML " + relative, e);
    }
  }

  /** The provisioned data sources by uid. */
  static Map<String, JsonNode> datasources() {
    Map<String, JsonNode> byUid = new LinkedHashMap<>();
    for (JsonNode ds : yaml("provisioning/datasources/tokentrail.yml").path("datasources")) {
      byUid.put(ds.path("uid").asText(), ds);
    }
    return byUid;
  }
}
