package dev.tokentrail.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The TokenTrail server jar as a child process on free loopback ports, its output in
 * {@code server.log} beside its data directory. Shared by the load generator and the side-by-side
 * benchmark.
 */
final class ServerProcess {
  final Process process;
  final int grpcPort;
  final int httpOtlpPort;
  final int queryPort;
  final Thread pump;

  long pid() {
    return process.pid();
  }

  private ServerProcess(Process process, Thread pump, int grpcPort, int httpOtlpPort, int queryPort) {
    this.process = process;
    this.pump = pump;
    this.grpcPort = grpcPort;
    this.httpOtlpPort = httpOtlpPort;
    this.queryPort = queryPort;
  }

  static ServerProcess start(String java, List<String> jvmArgs, Path jar, Path dataDir) throws IOException, InterruptedException {
    return start(java, jvmArgs, jar, dataDir, List.of(), Map.of());
  }

  /** {@link #start(String, List, Path, Path)} with extra {@code serve} flags and environment variables. */
  static ServerProcess start(String java, List<String> jvmArgs, Path jar, Path dataDir, List<String> serveArgs,
      Map<String, String> env) throws IOException, InterruptedException {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException("--server-jar: " + jar.toAbsolutePath() + " does not exist (build it: mvn -B -q -DskipTests package -pl server -am)");
    }
    String javaBin = java != null ? java : ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>();
    command.add(javaBin);
    command.addAll(jvmArgs);
    command.addAll(List.of("-jar", jar.toString(), "serve", "--data-dir", dataDir.resolve("data").toString(),
        "--bind-address", "127.0.0.1", "--otlp-grpc-port", "0", "--otlp-http-port", "0", "--http-port", "0"));
    command.addAll(serveArgs);
    Path log = dataDir.resolve("server.log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    int[] ports = {-1, -1, -1};
    CountDownLatch ready = new CountDownLatch(1);
    Thread pump =
        new Thread(
            () -> {
              try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                  PrintWriter w = new PrintWriter(Files.newBufferedWriter(log))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  w.println(System.currentTimeMillis() % 100_000 + " " + line);
                  w.flush();
                  if (line.startsWith("listening otlp-grpc=")) {
                    ports[0] = Integer.parseInt(line.substring(line.indexOf('=') + 1).trim());
                  } else if (line.startsWith("listening otlp-http=")) {
                    ports[1] = Integer.parseInt(line.substring(line.indexOf('=') + 1).trim());
                  } else if (line.startsWith("listening http=")) {
                    ports[2] = Integer.parseInt(line.substring(line.indexOf('=') + 1).trim());
                  } else if (line.equals("ready")) {
                    ready.countDown();
                  }
                }
              } catch (IOException e) {
                if (process.isAlive()) {
                  System.err.println("server output: " + e);
                } // else: the stream closed because the server exited
              }
            },
            "server-output");
    pump.setDaemon(true);
    pump.start();
    if (!ready.await(60, TimeUnit.SECONDS) || ports[0] < 0 || ports[1] < 0 || ports[2] < 0) {
      process.destroyForcibly();
      throw new IllegalStateException("server did not print its ports and 'ready' within 60 s; see " + log
          + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")"));
    }
    // The data dir holds the server's own "data" directory; sizes are measured there.
    return new ServerProcess(process, pump, ports[0], ports[1], ports[2]);
  }

  /** SIGTERM, then wait for the graceful shutdown (commit); SIGKILL only past the timeout. */
  int stop(Duration timeout) throws InterruptedException {
    if (!process.isAlive()) {
      return process.exitValue();
    }
    // ProcessHandle.destroy sends SIGTERM without closing our end of its output pipe
    // (Process.destroy closes it), so the shutdown log is kept.
    process.toHandle().destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      System.err.println("server did not stop within " + timeout + " of SIGTERM; killing it");
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      return -1;
    }
    return process.exitValue();
  }
}
