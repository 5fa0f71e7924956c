package dev.tokentrail.store.opensearch.testing;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * One OpenSearch node as a child process, from a distribution zip or an unpacked home, on free
 * loopback ports with its own data and log directories. OpenSearch refuses to run as root, so when
 * this JVM is root the node runs as an unprivileged system user (created if missing) through
 * {@code runuser}. Starting waits, bounded, for the cluster health to reach yellow; a shutdown hook
 * kills the node if the JVM exits first. Depends on nothing but the JDK.
 */
public final class OpenSearchNode implements AutoCloseable {
  private final Process process;
  private final Config config;
  private final int httpPort;
  private final int transportPort;
  private final Thread shutdownHook;

  private OpenSearchNode(Process process, Config config, int httpPort, int transportPort) {
    this.process = process;
    this.config = config;
    this.httpPort = httpPort;
    this.transportPort = transportPort;
    this.shutdownHook = new Thread(this::kill, "opensearch-node-kill");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * How to start a node. {@code distribution}: a distribution zip (unpacked into
   * {@code workDir/home}) or an unpacked home; {@code javaHome}: a JDK 21 or newer;
   * {@code settings}: extra {@code -E} settings (for a cluster: {@code cluster.name},
   * {@code discovery.seed_hosts}, {@code cluster.initial_cluster_manager_nodes}, with
   * {@code singleNode} false).
   */
  public record Config(
      Path distribution, Path workDir, Path javaHome, String heap, String runAsUser, boolean singleNode,
      Map<String, String> settings, Duration startTimeout) {
    public Config {
      requireNonNull(distribution, "distribution");
      requireNonNull(workDir, "workDir");
      requireNonNull(javaHome, "javaHome");
      requireNonNull(heap, "heap");
      requireNonNull(runAsUser, "runAsUser");
      settings = Map.copyOf(settings);
      requireNonNull(startTimeout, "startTimeout");
    }

    /** A single-node config: 1 GB heap, user {@code tokentrail-os} when root, 120 s to start. */
    public static Config singleNode(Path distribution, Path workDir, Path javaHome) {
      return new Config(distribution, workDir, javaHome, "1g", "tokentrail-os", true, Map.of(), Duration.ofSeconds(120));
    }
  }

  /**
   * Why no node can run here, or null when one can: {@code javaHome} is not a JDK 21+, or this JVM
   * runs as root without {@code runuser} and a way to get the unprivileged user ({@code useradd},
   * or the user existing already). Tests skip with this reason instead of failing.
   */
  public static String unavailableReason(Path javaHome, String runAsUser) {
    try {
      checkJava(javaHome);
    } catch (IllegalArgumentException | IOException e) {
      return "OpenSearch needs a JDK 21 or newer (set OPENSEARCH_JAVA_HOME): " + e.getMessage();
    }
    if (!"root".equals(System.getProperty("user.name"))) {
      return null;
    }
    if (!onPath("runuser")) {
      return "running as root, which OpenSearch refuses, and there is no runuser to run it as " + runAsUser;
    }
    boolean exists;
    try {
      exists = new ProcessBuilder("id", "-u", runAsUser).redirectErrorStream(true).start().waitFor() == 0;
    } catch (IOException e) {
      exists = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
    return exists || onPath("useradd") ? null
        : "running as root, which OpenSearch refuses, and user " + runAsUser + " is missing with no useradd to create it";
  }

  /**
   * Deletes a work directory a previous node left (its unpacked home, data and logs: about 200 MB),
   * so that repeated test runs reuse one directory instead of piling up. Never call it on the
   * directory of a running node.
   */
  public static void deleteWorkDir(Path workDir) throws IOException {
    if (!Files.exists(workDir)) {
      return;
    }
    try (java.util.stream.Stream<Path> files = Files.walk(workDir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static boolean onPath(String command) {
    String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  /** Unpacks if needed, starts the node and waits for yellow health; throws with the log's tail if it does not come up. */
  public static OpenSearchNode start(Config config) throws IOException, InterruptedException {
    checkJava(config.javaHome());
    Files.createDirectories(config.workDir());
    Path home = Files.isDirectory(config.distribution()) ? config.distribution() : unzip(config.distribution(), config.workDir().resolve("home"));
    Path data = Files.createDirectories(config.workDir().resolve("data"));
    Path logs = Files.createDirectories(config.workDir().resolve("logs"));
    Path tmp = Files.createDirectories(config.workDir().resolve("tmp"));
    boolean root = "root".equals(System.getProperty("user.name"));
    if (root) {
      ensureUser(config.runAsUser());
      run(List.of("chown", "-R", config.runAsUser(), config.workDir().toString()), "chown the node's directories");
    }
    int httpPort = freePort();
    int transportPort = freePort();
    Map<String, String> settings = new LinkedHashMap<>();
    if (config.singleNode()) {
      settings.put("discovery.type", "single-node");
    }
    settings.put("network.host", "127.0.0.1");
    settings.put("http.port", Integer.toString(httpPort));
    settings.put("transport.port", Integer.toString(transportPort));
    settings.put("path.data", data.toString());
    settings.put("path.logs", logs.toString());
    settings.putAll(config.settings());
    List<String> command = new ArrayList<>();
    if (root) {
      command.addAll(List.of("runuser", "-u", config.runAsUser(), "--"));
    }
    command.addAll(List.of("env", "OPENSEARCH_JAVA_HOME=" + config.javaHome(),
        "OPENSEARCH_JAVA_OPTS=-Xms" + config.heap() + " -Xmx" + config.heap(), "OPENSEARCH_TMPDIR=" + tmp,
        home.resolve("bin").resolve("opensearch").toString()));
    settings.forEach((k, v) -> command.add("-E" + k + "=" + v));
    Path out = config.workDir().resolve("stdout.log");
    Process process =
        new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    OpenSearchNode node = new OpenSearchNode(process, config, httpPort, transportPort);
    try {
      node.awaitYellow(config.startTimeout(), out);
      return node;
    } catch (IOException | RuntimeException | InterruptedException e) {
      node.kill();
      throw e;
    }
  }

  /** The REST base URL, e.g. {@code http://127.0.0.1:9200}. */
  public String httpUrl() {
    return "http://127.0.0.1:" + httpPort;
  }

  /** The transport address, for {@code discovery.seed_hosts} of another node. */
  public String transportAddress() {
    return "127.0.0.1:" + transportPort;
  }

  public Path dataDir() {
    return config.workDir().resolve("data");
  }

  public long pid() {
    return process.pid();
  }

  /** {@link #stop(Duration)} with 30 s for the graceful part. */
  public void stop() throws InterruptedException {
    stop(Duration.ofSeconds(30));
  }

  /** SIGTERM to the node (and the {@code runuser} above it), waits up to {@code timeout}, then kills. */
  public void stop(Duration timeout) throws InterruptedException {
    requireNonNull(timeout, "timeout");
    process.descendants().forEach(ProcessHandle::destroy);
    process.toHandle().destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      kill();
    }
    removeHook();
  }

  /** SIGKILL to the node's process tree, for tests of a node dying and for the shutdown hook. */
  public void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    removeHook();
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  private void removeHook() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs (this may be it) and cannot be removed
    }
  }

  private void awaitYellow(Duration timeout, Path out) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("OpenSearch exited with " + process.exitValue() + " while starting; last output:\n" + tail(out));
      }
      try {
        HttpResponse<String> r = http.send(
            HttpRequest.newBuilder(URI.create(httpUrl() + "/_cluster/health?wait_for_status=yellow&timeout=2s"))
                .timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(500);
    }
    throw new IOException("OpenSearch not yellow within " + timeout + "; last output:\n" + tail(out));
  }

  private static String tail(Path out) throws IOException {
    List<String> lines = Files.exists(out) ? Files.readAllLines(out, StandardCharsets.UTF_8) : List.of();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }

  private static void checkJava(Path javaHome) throws IOException {
    Path release = javaHome.resolve("release");
    if (!Files.isRegularFile(release) || !Files.isExecutable(javaHome.resolve("bin").resolve("java"))) {
      throw new IllegalArgumentException("javaHome: " + javaHome + " (expected: a JDK home with bin/java and release)");
    }
    for (String line : Files.readAllLines(release)) {
      if (line.startsWith("JAVA_VERSION=")) {
        String version = line.substring("JAVA_VERSION=".length()).replace("\"", "");
        int major = Integer.parseInt(version.split("[.+-]")[0]);
        if (major < 21) {
          throw new IllegalArgumentException("javaHome: " + javaHome + " is Java " + version + " (expected: 21 or newer)");
        }
        return;
      }
    }
  }

  private static void ensureUser(String user) throws IOException, InterruptedException {
    if (new ProcessBuilder("id", "-u", user).redirectErrorStream(true).start().waitFor() != 0) {
      run(List.of("useradd", "--system", "--create-home", user), "create the unprivileged user " + user + " (OpenSearch refuses root)");
    }
  }

  private static void run(List<String> command, String what) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("could not " + what + ": " + String.join(" ", command) + " exited " + p.exitValue() + ": " + output.strip());
    }
  }

  /** Unpacks the zip into {@code target}, keeping the execute bit of {@code bin/} files; returns the home inside. */
  private static Path unzip(Path zip, Path target) throws IOException {
    Files.createDirectories(target);
    Path home = null;
    try (ZipFile file = new ZipFile(zip.toFile())) {
      for (Enumeration<? extends ZipEntry> entries = file.entries(); entries.hasMoreElements(); ) {
        ZipEntry entry = entries.nextElement();
        Path to = target.resolve(entry.getName()).normalize();
        if (!to.startsWith(target)) {
          throw new IOException("zip entry outside the target: " + entry.getName());
        }
        if (home == null) {
          home = target.resolve(Path.of(entry.getName()).getName(0));
        }
        if (entry.isDirectory()) {
          Files.createDirectories(to);
          continue;
        }
        Files.createDirectories(to.getParent());
        try (InputStream in = file.getInputStream(entry)) {
          Files.copy(in, to);
        }
        String parent = to.getParent().getFileName().toString();
        if (parent.equals("bin") || to.toString().contains("/jdk/bin/")) {
          Files.setPosixFilePermissions(to, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
              PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_EXECUTE,
              PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE));
        }
      }
    }
    if (home == null) {
      throw new IOException(zip + " is empty");
    }
    return home;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
