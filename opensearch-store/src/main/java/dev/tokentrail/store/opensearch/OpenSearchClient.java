package dev.tokentrail.store.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
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

/**
 * OpenSearch's REST API over one Armeria {@link WebClient}, spread round-robin over the configured
 * node URLs, with JSON bodies. Failures come back as the store contract's exceptions: back-pressure
 * (429) as {@link StoreOverloadedException}, an unreachable cluster or a 5xx as {@link
 * StoreClosedException} (ingest answers both with retry-later statuses), other refusals as {@link
 * OpenSearchException}.
 */
final class OpenSearchClient implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType NDJSON = MediaType.parse("application/x-ndjson");

  private final ClientFactory factory;
  private final WebClient client;
  private final String authorization;
  private final int retryAfterSeconds;

  OpenSearchClient(List<URI> urls, String authorization, Path caFile, Duration timeout, int retryAfterSeconds) {
    String scheme = urls.get(0).getScheme();
    List<Endpoint> endpoints = new ArrayList<>();
    for (URI url : urls) {
      if (!scheme.equals(url.getScheme())) {
        throw new IllegalArgumentException("urls: " + urls + " (expected: one scheme, http or https, for every node)");
      }
      int port = url.getPort() > 0 ? url.getPort() : 9200;
      endpoints.add(Endpoint.of(url.getHost(), port));
    }
    var factoryBuilder = ClientFactory.builder();
    if (caFile != null) {
      factoryBuilder.tlsCustomizer(tls -> tls.trustManager(caFile.toFile()));
    }
    this.factory = factoryBuilder.build();
    this.client = WebClient.builder(SessionProtocol.of(scheme), EndpointGroup.of(endpoints))
        .factory(factory)
        .responseTimeout(timeout)
        .maxResponseLength(0)
        .build();
    this.authorization = authorization;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** Sends a JSON body (null for none) and parses the JSON answer; failures as described above. */
  CompletableFuture<JsonNode> sendAsync(HttpMethod method, String path, Object body) {
    byte[] bytes;
    try {
      bytes = body == null ? null : body instanceof byte[] b ? b : JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    RequestHeadersBuilder headers = RequestHeaders.builder(method, path);
    if (authorization != null) {
      headers.set(HttpHeaderNames.AUTHORIZATION, authorization);
    }
    HttpRequest request;
    if (bytes == null) {
      request = HttpRequest.of(headers.build());
    } else {
      headers.contentType(body instanceof byte[] ? NDJSON : MediaType.JSON);
      request = HttpRequest.of(headers.build(), HttpData.wrap(bytes));
    }
    return client.execute(request).aggregate().handle((response, error) -> {
      if (error != null) {
        throw new CompletionException(unavailable(method + " " + path, error));
      }
      return parse(method, path, response);
    });
  }

  /** {@link #sendAsync}, waiting for the answer; throws the mapped exception itself. */
  JsonNode send(HttpMethod method, String path, Object body) {
    try {
      return sendAsync(method, path, body).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  private JsonNode parse(HttpMethod method, String path, AggregatedHttpResponse response) {
    int status = response.status().code();
    String text = response.contentUtf8();
    if (status == 429) {
      throw new StoreOverloadedException("OpenSearch is overloaded (429 on " + method + " " + path + "): "
          + abbreviate(text), retryAfterSeconds);
    }
    if (status >= 500) {
      throw new StoreClosedException("OpenSearch failed (" + status + " on " + method + " " + path + "): "
          + abbreviate(text), null);
    }
    JsonNode json;
    try {
      json = text.isEmpty() ? JSON.nullNode() : JSON.readTree(text);
    } catch (IOException e) {
      throw new OpenSearchException(status, "unreadable answer to " + method + " " + path + ": " + abbreviate(text));
    }
    if (status >= 400) {
      throw new OpenSearchException(status, method + " " + path + " refused with " + status + ": " + abbreviate(text));
    }
    return json;
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
