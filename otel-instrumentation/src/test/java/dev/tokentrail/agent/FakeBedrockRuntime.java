package dev.tokentrail.agent;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Bedrock Runtime Converse endpoint on loopback for end-to-end tests: throttles the first request
 * (429 {@code ThrottlingException}, which the AWS SDK retries) and answers the others with usage
 * that includes prompt-cache reads. Bedrock's {@code inputTokens} excludes the cache reads and
 * writes, as Anthropic's API does.
 */
final class FakeBedrockRuntime implements AutoCloseable {
  static final int INPUT_TOKENS = 200;
  static final int CACHE_READ_TOKENS = 1000;
  static final int OUTPUT_TOKENS = 80;

  final HttpServer server;
  final AtomicInteger requests = new AtomicInteger();
  /** The request paths as received, in order (they carry the model id). */
  final List<String> paths = new CopyOnWriteArrayList<>();

  FakeBedrockRuntime() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/model/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      paths.add(exchange.getRequestURI().getRawPath());
      int n = requests.incrementAndGet();
      byte[] body;
      int status;
      if (n == 1) {
        status = 429;
        body = "{\"message\":\"Too many requests, please wait before trying again.\"}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("x-amzn-ErrorType", "ThrottlingException");
      } else {
        status = 200;
        int total = INPUT_TOKENS + CACHE_READ_TOKENS + OUTPUT_TOKENS;
        body = ("{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\"billing\"}]}},"
            + "\"stopReason\":\"end_turn\","
            + "\"usage\":{\"inputTokens\":" + INPUT_TOKENS + ",\"outputTokens\":" + OUTPUT_TOKENS
            + ",\"totalTokens\":" + total + ",\"cacheReadInputTokens\":" + CACHE_READ_TOKENS
            + ",\"cacheWriteInputTokens\":0},"
            + "\"metrics\":{\"latencyMs\":120}}").getBytes(StandardCharsets.UTF_8);
      }
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.getResponseHeaders().add("x-amzn-RequestId", "req-" + n);
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
