package dev.tokentrail.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The query API of a running server, as the commands that call it ({@code top}, {@code prices
 * --unknown}, {@code reprice}) share it: the {@code --endpoint} option (a picocli mixin), GET and
 * POST, and failures in words: a bad endpoint ({@link BadEndpoint}, exit code 2) and a server that
 * cannot be reached ({@link Unreachable}, exit code 1) with its cause named, since the JDK's
 * connect errors often carry no message.
 */
final class QueryApiClient {
  static final String DEFAULT = "http://localhost:3200";
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--endpoint", defaultValue = "${env:TOKENTRAIL_ENDPOINT:-" + DEFAULT + "}", paramLabel = "URL",
      description = "The server's query API (default ${DEFAULT-VALUE}, env TOKENTRAIL_ENDPOINT).")
  String endpoint = DEFAULT;

  /** An {@code --endpoint} that is not an http(s) URL. */
  static final class BadEndpoint extends Exception {
    BadEndpoint(String endpoint) {
      super("--endpoint: " + endpoint + " (expected: the server's query API URL, e.g. " + DEFAULT + ")");
    }
  }

  /** No answer from the endpoint; the message names the address, the cause and what to check. */
  static final class Unreachable extends Exception {
    Unreachable(String base, String cause) {
      super("cannot reach " + base + " (" + cause + "); is 'tokentrail serve' running there?"
          + " Set --endpoint or TOKENTRAIL_ENDPOINT to its query API address.");
    }
  }

  /** A status and body; {@link #error()} is the {@code {"error"}} message of the API's error shape, else the body. */
  record Response(int status, String body, java.net.http.HttpHeaders headers) {
    Response(int status, String body) {
      this(status, body, java.net.http.HttpHeaders.of(java.util.Map.of(), (name, value) -> true));
    }

    /** The first value of a response header, or null. */
    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    String error() {
      try {
        JsonNode node = JSON.readTree(body);
        if (node != null && node.hasNonNull("error")) {
          return node.get("error").asText();
        }
      } catch (IOException ignored) {
        // Not JSON: as it came.
      }
      return body;
    }
  }

  /** The endpoint without trailing slashes. */
  String base() {
    return (endpoint == null ? DEFAULT : endpoint).trim().replaceAll("/+$", "");
  }

  /** {@code pathAndQuery} (starting with /) on the endpoint. */
  URI uri(String pathAndQuery) throws BadEndpoint {
    try {
      URI uri = URI.create(base() + pathAndQuery);
      if (uri.getScheme() == null || !uri.getScheme().startsWith("http") || uri.getHost() == null) {
        throw new BadEndpoint(endpoint);
      }
      return uri;
    } catch (IllegalArgumentException e) {
      throw new BadEndpoint(endpoint);
    }
  }

  /** GET, waiting at most {@code timeout} for the answer. */
  Response get(String pathAndQuery, Duration timeout) throws BadEndpoint, Unreachable, InterruptedException {
    return send(HttpRequest.newBuilder(uri(pathAndQuery)).timeout(timeout).GET().build(), timeout);
  }

  /** POST without a body; {@code timeout} null waits as long as the server works. */
  Response post(String pathAndQuery, Duration timeout) throws BadEndpoint, Unreachable, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(pathAndQuery)).POST(HttpRequest.BodyPublishers.noBody());
    if (timeout != null) {
      request.timeout(timeout);
    }
    return send(request.build(), timeout);
  }

  private Response send(HttpRequest request, Duration timeout) throws Unreachable, InterruptedException {
    try (HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build()) {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response.body(), response.headers());
    } catch (IOException e) {
      throw new Unreachable(base(), cause(e, timeout));
    }
  }

  /** Why a request failed, in words. */
  static String cause(IOException e, Duration timeout) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.nio.channels.UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
        return "unknown host";
      }
      if (t instanceof HttpConnectTimeoutException) {
        return "connection timed out after " + CONNECT_TIMEOUT.toSeconds() + "s";
      }
      if (t instanceof HttpTimeoutException) {
        return "no answer within " + (timeout == null ? "the timeout" : timeout.toSeconds() + "s");
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException) {
        String m = t.getMessage();
        // The JDK's client says nothing (null) for a refused connection; other causes it names.
        return m == null || m.isBlank() || m.toLowerCase(java.util.Locale.ROOT).contains("refused") ? "connection refused" : m;
      }
    }
    String message = e.getMessage();
    if ((message == null || message.isBlank()) && e.getCause() != null) {
      message = e.getCause().toString();
    }
    return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
  }
}
