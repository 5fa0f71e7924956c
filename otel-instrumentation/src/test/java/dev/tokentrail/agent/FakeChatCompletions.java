package dev.tokentrail.agent;

import com.sun.net.httpserver.HttpExchange;
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
 * An OpenAI-compatible chat completions endpoint on loopback for the LangChain4j end-to-end test:
 * {@code /v1/chat/completions} rate-limits (429) the first request, then answers with usage that has
 * cached prompt tokens and reasoning tokens (as server-sent events when the request asks to stream);
 * {@code /failing/v1/chat/completions} always answers 400.
 */
final class FakeChatCompletions implements AutoCloseable {
  static final String RESPONSE_MODEL = "gpt-4o-mini-2024-07-18";
  final HttpServer server;
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger failing = new AtomicInteger();
  /** The request bodies of {@code /v1}, as received, in order. */
  final List<String> bodies = new CopyOnWriteArrayList<>();

  FakeChatCompletions() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v1/chat/completions", exchange -> {
      String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      bodies.add(request);
      int n = requests.incrementAndGet();
      if (request.replace(" ", "").contains("\"stream\":true")) {
        stream(exchange);
        return;
      }
      if (n == 1) {
        respond(exchange, 429,
            "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}");
        return;
      }
      respond(exchange, 200, "{\"id\":\"chatcmpl-" + n + "\",\"object\":\"chat.completion\",\"created\":1700000000,"
          + "\"model\":\"" + RESPONSE_MODEL + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
          + "\"content\":\"billing\",\"refusal\":null},\"finish_reason\":\"stop\",\"logprobs\":null}],"
          + "\"usage\":{\"prompt_tokens\":1200,\"completion_tokens\":80,\"total_tokens\":1280,"
          + "\"prompt_tokens_details\":{\"cached_tokens\":1000},\"completion_tokens_details\":{\"reasoning_tokens\":30}}}");
    });
    server.createContext("/failing/v1/chat/completions", exchange -> {
      exchange.getRequestBody().readAllBytes();
      failing.incrementAndGet();
      respond(exchange, 400,
          "{\"error\":{\"message\":\"Invalid value for 'temperature'\",\"type\":\"invalid_request_error\",\"code\":null}}");
    });
    server.start();
  }

  /** A streamed answer: two content chunks, then the usage chunk OpenAI sends with {@code include_usage}. */
  private static void stream(HttpExchange exchange) throws IOException {
    String head = "{\"id\":\"chatcmpl-s\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\""
        + RESPONSE_MODEL + "\",\"choices\":";
    StringBuilder sse = new StringBuilder()
        .append("data: ").append(head).append("[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"bill\"},\"finish_reason\":null}]}\n\n")
        .append("data: ").append(head).append("[{\"index\":0,\"delta\":{\"content\":\"ing\"},\"finish_reason\":\"stop\"}]}\n\n")
        .append("data: ").append(head).append("[],\"usage\":{\"prompt_tokens\":1200,\"completion_tokens\":80,\"total_tokens\":1280,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":1000},\"completion_tokens_details\":{\"reasoning_tokens\":30}}}\n\n")
        .append("data: [DONE]\n\n");
    byte[] body = sse.toString().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static void respond(HttpExchange exchange, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
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
