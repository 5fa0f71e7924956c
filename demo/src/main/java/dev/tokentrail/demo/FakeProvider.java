package dev.tokentrail.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-compatible chat endpoint ({@code /v1/chat/completions}) and an Anthropic Messages
 * endpoint ({@code /v1/messages}, as JSON or server-sent events when the request streams) on
 * loopback:
 *
 * <ul>
 *   <li>usage grows with the request (about four characters a token), and classification prompts
 *       get short answers;
 *   <li>later turns of a support conversation read half their prompt from the cache;
 *   <li>reasoning models ({@code o*}) report reasoning tokens;
 *   <li>a request carrying {@code x-demo-fail: 429|500} fails as asked, without usage;
 *   <li>{@code x-demo-fail: invalid-json} answers (and bills) a truncated JSON object, and
 *       extraction prompts otherwise get a valid one;
 *   <li>Anthropic requests that mark their system prompt with {@code cache_control} write it to the
 *       cache the first time and read it afterwards ({@code cache_creation_input_tokens}, {@code
 *       cache_read_input_tokens}); unmarked ones pay the whole prompt as input every time.
 * </ul>
 */
final class FakeProvider implements AutoCloseable {
  private final HttpServer server;
  private final AtomicInteger ids = new AtomicInteger();
  /** Models whose marked system prompt is in the cache (written by the first marked request). */
  private final Set<String> cachedPrompts = ConcurrentHashMap.newKeySet();

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
      send(exchange, status, "application/json", body);
    });
    server.createContext("/v1/messages", exchange -> {
      String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String model = field(request, "\"model\":\"");
      long prompt = Math.max(40, request.length() / 4);
      long cacheWrite = 0;
      long cacheRead = 0;
      if (request.contains("cache_control")) {
        // The marked system prompt is about two thirds of the first turn's request.
        long cached = prompt * 2 / 3;
        if (cachedPrompts.add(model)) {
          cacheWrite = cached;
        } else {
          cacheRead = cached;
        }
      }
      // Anthropic's input_tokens counts only what was neither written to nor read from the cache.
      String usage = "\"input_tokens\":" + (prompt - cacheWrite - cacheRead) + ",\"cache_creation_input_tokens\":" + cacheWrite
          + ",\"cache_read_input_tokens\":" + cacheRead;
      long output = 120 + request.length() % 150;
      String id = "msg_" + ids.incrementAndGet();
      boolean stream = request.replace(" ", "").contains("\"stream\":true");
      String body = stream ? messageEvents(id, model, usage, output)
          : "{\"id\":\"" + id + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + model + "\","
              + "\"content\":[{\"type\":\"text\",\"text\":\"" + ANSWER + "\"}],\"stop_reason\":\"end_turn\","
              + "\"stop_sequence\":null,\"usage\":{" + usage + ",\"output_tokens\":" + output + "}}";
      send(exchange, 200, stream ? "text/event-stream" : "application/json", body);
    });
    server.start();
  }

  private static final String ANSWER = "Here is what I found about your question.";

  /** A streamed Anthropic answer: usage on message_start, the final output count on message_delta. */
  private static String messageEvents(String id, String model, String usage, long output) {
    StringBuilder out = new StringBuilder();
    event(out, "message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"" + id + "\",\"type\":\"message\","
        + "\"role\":\"assistant\",\"model\":\"" + model + "\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
        + "\"usage\":{" + usage + ",\"output_tokens\":1}}}");
    event(out, "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
    event(out, "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\""
        + ANSWER + "\"}}");
    event(out, "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}");
    event(out, "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
        + "\"usage\":{\"output_tokens\":" + output + "}}");
    event(out, "message_stop", "{\"type\":\"message_stop\"}");
    return out.toString();
  }

  private static void event(StringBuilder out, String name, String data) {
    out.append("event: ").append(name).append('\n').append("data: ").append(data).append("\n\n");
  }

  private static void send(HttpExchange exchange, int status, String contentType, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", contentType);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String field(String json, String prefix) {
    int i = json.indexOf(prefix);
    if (i < 0) {
      return "gpt-4o";
    }
    int start = i + prefix.length();
    return json.substring(start, json.indexOf('"', start));
  }

  /** The OpenAI base URL (with {@code /v1}). */
  String baseUrl() {
    return rootUrl() + "/v1";
  }

  /** The Anthropic base URL: the SDK adds {@code /v1/messages}. */
  String rootUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
