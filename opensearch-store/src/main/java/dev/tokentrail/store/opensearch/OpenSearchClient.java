package dev.tokentrail.store.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.SessionProtocol;
import dev.tokentrail.store.StoreClosedException;
import dev.tokentrail.store.StoreOverloadedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * OpenSearch's REST API over Armeria {@link WebClient}s, spread round-robin over the configured
 * node URLs, with JSON bodies; a node that cannot be reached gets no requests for a few seconds,
 * and a request it never received is sent to another node. Failures come back as the store contract's exceptions: back-pressure
 * (429) as {@link StoreOverloadedException}, an unreachable cluster or a 5xx as {@link
 * StoreClosedException} (ingest answers both with retry-later statuses), other refusals as {@link
 * OpenSearchException}.
 */
final class OpenSearchClient implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType NDJSON = MediaType.parse("application/x-ndjson");

  /** How long a node that could not be reached gets no requests (then live traffic probes it). */
  private static final long DOWN_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final ClientFactory factory;
  private final List<Node> nodes = new ArrayList<>();
  private final AtomicInteger next = new AtomicInteger();
  private final String authorization;
  private final int retryAfterSeconds;

  OpenSearchClient(List<URI> urls, String authorization, Path caFile, Duration timeout, int retryAfterSeconds) {
    String scheme = urls.get(0).getScheme();
    var factoryBuilder = ClientFactory.builder();
    if (caFile != null) {
      factoryBuilder.tlsCustomizer(tls -> tls.trustManager(caFile.toFile()));
    }
    this.factory = factoryBuilder.build();
    for (URI url : urls) {
      if (!scheme.equals(url.getScheme())) {
        factory.close();
        throw new IllegalArgumentException("urls: " + urls + " (expected: one scheme, http or https, for every node)");
      }
      int port = url.getPort() > 0 ? url.getPort() : 9200;
      Endpoint endpoint = Endpoint.of(url.getHost(), port);
      nodes.add(new Node(endpoint, WebClient.builder(SessionProtocol.of(scheme), endpoint)
          .factory(factory)
          .responseTimeout(timeout)
          .maxResponseLength(0)
          .build()));
    }
    this.authorization = authorization;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** One configured node and until when it is considered down. */
  private static final class Node {
    final Endpoint endpoint;
    final WebClient client;
    volatile long downUntilNanos = Long.MIN_VALUE;

    Node(Endpoint endpoint, WebClient client) {
      this.endpoint = endpoint;
      this.client = client;
    }

    boolean up(long now) {
      return downUntilNanos == Long.MIN_VALUE || now - downUntilNanos >= 0;
    }
  }

  /** The next node round-robin that is not marked down; when all are, the one marked down longest ago. */
  private Node pick(List<Node> tried) {
    long now = System.nanoTime();
    int start = Math.floorMod(next.getAndIncrement(), nodes.size());
    Node fallback = null;
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get((start + i) % nodes.size());
      if (tried.contains(n)) {
        continue;
      }
      if (n.up(now)) {
        return n;
      }
      if (fallback == null || n.downUntilNanos - fallback.downUntilNanos < 0) {
        fallback = n;
      }
    }
    return fallback;
  }

  /** Nodes currently marked down (unreachable within the last few seconds). */
  int nodesDown() {
    long now = System.nanoTime();
    int down = 0;
    for (Node n : nodes) {
      if (!n.up(now)) {
        down++;
      }
    }
    return down;
  }

  /** Sends a JSON body (null for none) and parses the JSON answer; failures as described above. */
  CompletableFuture<JsonNode> sendAsync(HttpMethod method, String path, Object body) {
    byte[] bytes;
    try {
      bytes = body == null ? null : body instanceof byte[] b ? b : JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return attempt(method, path, body instanceof byte[], bytes, new ArrayList<>());
  }

  /**
   * Sends to the next live node. A node that cannot be reached is marked down; a request it never
   * received goes to another node (every request of the store is safe to repeat).
   */
  private CompletableFuture<JsonNode> attempt(HttpMethod method, String path, boolean ndjson, byte[] bytes,
      List<Node> tried) {
    Node node = pick(tried);
    if (node == null) {
      return CompletableFuture.failedFuture(new StoreClosedException("OpenSearch unavailable for " + method + " "
          + path + ": no node reachable", null));
    }
    tried.add(node);
    RequestHeadersBuilder headers = RequestHeaders.builder(method, path);
    if (authorization != null) {
      headers.set(HttpHeaderNames.AUTHORIZATION, authorization);
    }
    HttpRequest request;
    if (bytes == null) {
      request = HttpRequest.of(headers.build());
    } else {
      headers.contentType(ndjson ? NDJSON : MediaType.JSON);
      request = HttpRequest.of(headers.build(), HttpData.wrap(bytes));
    }
    return node.client.execute(request).aggregate().handle((response, error) -> {
      if (error == null) {
        return CompletableFuture.completedFuture(parse(method, path, response));
      }
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      node.downUntilNanos = System.nanoTime() + DOWN_NANOS;
      if (cause instanceof UnprocessedRequestException && tried.size() < nodes.size()) {
        return attempt(method, path, ndjson, bytes, tried);
      }
      throw new CompletionException(unavailable(method + " " + path + " on " + node.endpoint, cause));
    }).thenCompose(f -> f);
  }

  /** {@link #sendAsync}, waiting for the answer; throws the mapped exception itself. */
  JsonNode send(HttpMethod method, String path, Object body) {
    return join(sendAsync(method, path, body));
  }

  /** The answer of a {@link #sendAsync}, waiting for it; throws the mapped exception itself. */
  static JsonNode join(CompletableFuture<JsonNode> answer) {
    try {
      return answer.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  private JsonNode parse(HttpMethod method, String path, AggregatedHttpResponse response) {
    int status = response.status().code();
    if (status < 400) {
      // From the bytes: most answers are read, never shown.
      byte[] bytes = response.content().array();
      try {
        return bytes.length == 0 ? JSON.nullNode() : JSON.readTree(bytes);
      } catch (IOException e) {
        throw new OpenSearchException(status, "unreadable answer to " + method + " " + path + ": "
            + abbreviate(response.contentUtf8()));
      }
    }
    String text = response.contentUtf8();
    if (status == 429) {
      throw new StoreOverloadedException("OpenSearch is overloaded (429 on " + method + " " + path + "): "
          + abbreviate(text), retryAfterSeconds);
    }
    if (status >= 500) {
      throw new StoreClosedException("OpenSearch failed (" + status + " on " + method + " " + path + "): "
          + abbreviate(text), null);
    }
    throw new OpenSearchException(status, method + " " + path + " refused with " + status + ": " + abbreviate(text));
  }

  private static StoreClosedException unavailable(String what, Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    return new StoreClosedException("OpenSearch unavailable for " + what + ": " + cause, cause);
  }

  static String abbreviate(String text) {
    return text.length() <= 500 ? text : text.substring(0, 500) + "...";
  }

  @Override
  public void close() {
    factory.close();
  }

  /** OpenSearch refused a request (a 4xx other than 429): a bug or a misconfiguration, not load. */
  static final class OpenSearchException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    OpenSearchException(int status, String message) {
      super(message);
      this.status = status;
    }

    int status() {
      return status;
    }
  }
}
