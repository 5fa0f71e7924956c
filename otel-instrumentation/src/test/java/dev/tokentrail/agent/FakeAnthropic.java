package dev.tokentrail.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An Anthropic Messages API endpoint on loopback for end-to-end tests. {@code /v1/messages} answers
 * with usage including cache reads (as JSON, or as server-sent events when the request asks to
 * stream), and rate-limits (429) the very first request so the SDK retries. {@code
 * /failing/v1/messages} is always overloaded (529).
 */
final class FakeAnthropic implements AutoCloseable {
  static final String USAGE =
      "{\"input_tokens\":200,\"output_tokens\":50,\"cache_read_input_tokens\":1000,\"cache_creation_input_tokens\":0}";
  final HttpServer server;
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger failing = new AtomicInteger();

  FakeAnthropic() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v1/messages", exchange -> {
      String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      int n = requests.incrementAndGet();
      if (n == 1) {
        exchange.getResponseHeaders().add("retry-after-ms", "50");
        send(exchange, 429, "application/json",
            "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Number of requests has exceeded your rate limit\"}}");
      } else if (request.replace(" ", "").contains("\"stream\":true")) {
        send(exchange, 200, "text/event-stream", sse(n));
      } else {
        send(exchange, 200, "application/json", "{\"id\":\"msg_" + n + "\",\"type\":\"message\",\"role\":\"assistant\","
            + "\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[{\"type\":\"text\",\"text\":\"billing\"}],"
            + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":" + USAGE + "}");
      }
    });
    server.createContext("/failing/v1/messages", exchange -> {
      exchange.getRequestBody().readAllBytes();
      failing.incrementAndGet();
      send(exchange, 529, "application/json", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
    });
    server.start();
  }

  private static String sse(int n) {
    StringBuilder out = new StringBuilder();
    event(out, "message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_" + n + "\",\"type\":\"message\","
        + "\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[],\"stop_reason\":null,"
        + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":200,\"output_tokens\":1,\"cache_read_input_tokens\":1000,"
        + "\"cache_creation_input_tokens\":0}}}");
    event(out, "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
    event(out, "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"bill\"}}");
    event(out, "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"ing\"}}");
    event(out, "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}");
    event(out, "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
        + "\"usage\":{\"output_tokens\":50}}");
    event(out, "message_stop", "{\"type\":\"message_stop\"}");
    return out.toString();
  }

  private static void event(StringBuilder out, String name, String data) {
    out.append("event: ").append(name).append('\n').append("data: ").append(data).append("\n\n");
  }

  private static void send(HttpExchange exchange, int status, String contentType, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", contentType);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
