package dev.tokentrail.demo;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-compatible chat endpoint on loopback:
 *
 * <ul>
 *   <li>usage grows with the request (about four characters a token), and classification prompts
 *       get short answers;
 *   <li>later turns of a support conversation read half their prompt from the cache;
 *   <li>reasoning models ({@code o*}) report reasoning tokens;
 *   <li>a request carrying {@code x-demo-fail: 429|500} fails as asked, without usage;
 *   <li>{@code x-demo-fail: invalid-json} answers (and bills) a truncated JSON object, and
 *       extraction prompts otherwise get a valid one.
 * </ul>
 */
final class FakeProvider implements AutoCloseable {
  private final HttpServer server;
  private final AtomicInteger ids = new AtomicInteger();

  FakeProvider() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v1/chat/completions", exchange -> {
      String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String fail = exchange.getRequestHeaders().getFirst("x-demo-fail");
      int status = 200;
      String body;
      if ("429".equals(fail)) {
        status = 429;
        body = "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}";
      } else if ("500".equals(fail)) {
        status = 500;
        body = "{\"error\":{\"message\":\"The server had an error while processing your request\",\"type\":\"server_error\"}}";
      } else {
        // Includes x-demo-fail: invalid-json, which is answered (and billed) with a broken JSON object.
        String model = field(request, "\"model\":\"");
        long prompt = Math.max(40, request.length() / 4);
        long completion = request.contains("Classify") ? 6 : 180 + (request.length() % 200);
        // From its second turn on, a support conversation's long system prompt is in the provider's cache.
        long cached = request.contains("Customer message 1") ? prompt / 2 : 0;
        long reasoning = model.startsWith("o") ? 120 : 0;
        String content = request.contains("Classify") ? "billing" : "Here is what I found about your question.";
        if (request.contains("as JSON")) {
          completion = 40;
          content = "invalid-json".equals(fail) ? "{\\\"vendor\\\": \\\"Acme" : "{\\\"vendor\\\": \\\"Acme\\\", \\\"total\\\": 120}";
        }
        body = "{\"id\":\"chatcmpl-" + ids.incrementAndGet() + "\",\"object\":\"chat.completion\",\"created\":1700000000,"
            + "\"model\":\"" + model + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
            + content + "\",\"refusal\":null},\"finish_reason\":\"stop\",\"logprobs\":null}],\"usage\":{\"prompt_tokens\":" + prompt
            + ",\"completion_tokens\":" + completion + ",\"total_tokens\":" + (prompt + completion)
            + ",\"prompt_tokens_details\":{\"cached_tokens\":" + cached + "}"
            + ",\"completion_tokens_details\":{\"reasoning_tokens\":" + reasoning + "}}}";
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
  }

  private static String field(String json, String prefix) {
    int i = json.indexOf(prefix);
    if (i < 0) {
      return "gpt-4o";
    }
    int start = i + prefix.length();
    return json.substring(start, json.indexOf('"', start));
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
