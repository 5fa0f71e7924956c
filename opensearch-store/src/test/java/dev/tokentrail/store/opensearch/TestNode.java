package dev.tokentrail.store.opensearch;

import dev.tokentrail.store.opensearch.testing.OpenSearchNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.net.http.HttpRequest;
import java.net.http.HttpClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The one OpenSearch node of a test JVM, started on first use from the distribution the build
 * fetched ({@code tokentrail.opensearch.zip}) and killed when the JVM exits. Where a node cannot run
 * here (no JDK 21+, root without {@code runuser}/{@code useradd} to drop privileges, no
 * distribution), every test using it is skipped (aborted) with the reason; a node that fails to
 * start otherwise fails the tests.
 */
final class TestNode {
  private static String url;
  private static String unavailable;
  private static RuntimeException failure;

  private TestNode() {}

  /** The node's base URL; aborts the calling test when no node can run here. */
  static synchronized String url() {
    if (url == null && unavailable == null && failure == null) {
      start();
    }
    Assumptions.assumeTrue(unavailable == null, () -> "OpenSearch tests skipped: " + unavailable);
    if (failure != null) {
      throw failure;
    }
    return url;
  }

  private static void start() {
    String zip = System.getProperty("tokentrail.opensearch.zip");
    String work = System.getProperty("tokentrail.opensearch.work", System.getProperty("java.io.tmpdir") + "/tokentrail-opensearch");
    if (zip == null || !Files.isRegularFile(Path.of(zip))) {
      unavailable = "no OpenSearch distribution at " + zip + " (run through Maven: `mvn -pl opensearch-store -am verify` fetches it)";
      return;
    }
    String javaHomeEnv = System.getenv("OPENSEARCH_JAVA_HOME");
    Path javaHome = Path.of(javaHomeEnv != null ? javaHomeEnv : System.getProperty("java.home"));
    String reason = OpenSearchNode.unavailableReason(javaHome, "tokentrail-os");
    if (reason != null) {
      unavailable = reason;
      return;
    }
    try {
      Path dir = Path.of(work, "node");
      OpenSearchNode.deleteWorkDir(dir); // a previous run's; one test JVM per module at a time
      OpenSearchNode.Config defaults = OpenSearchNode.Config.singleNode(Path.of(zip), dir, javaHome);
      OpenSearchNode node = OpenSearchNode.start(new OpenSearchNode.Config(defaults.distribution(), dir, javaHome, "512m",
          defaults.runAsUser(), true, java.util.Map.of(), defaults.startTimeout()));
      url = node.httpUrl();
    } catch (IOException | RuntimeException e) {
      failure = new IllegalStateException("OpenSearch node did not start: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = new IllegalStateException("interrupted while starting OpenSearch", e);
    }
  }

  /**
   * Sends a request to the node ({@code json}: a body, or null) and returns the answer's body;
   * throws for an error status other than 404 to a DELETE.
   */
  static String send(String method, String path, String json) throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url() + path));
      if (json == null) {
        request.method(method, HttpRequest.BodyPublishers.noBody());
      } else {
        request.method(method, HttpRequest.BodyPublishers.ofString(json)).header("Content-Type", "application/json");
      }
      HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() >= 300 && !(method.equals("DELETE") && r.statusCode() == 404)) {
        throw new IllegalStateException(method + " " + path + ": " + r.statusCode() + " " + r.body());
      }
      return r.body();
    }
  }
}
