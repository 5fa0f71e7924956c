package dev.tokentrail.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import dev.tokentrail.query.tempopb.SearchRequest;
import dev.tokentrail.query.tempopb.SearchResponse;
import dev.tokentrail.query.tempopb.StreamingQuerierGrpc;
import dev.tokentrail.store.SpanStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The query port's error handling, end to end: a real Armeria server with the query API over a
 * store whose every read fails with an unexpected exception. Clients see a generic 500 (or gRPC
 * INTERNAL) naming only the request id; the server log has the method, path, id and stack trace.
 */
class QueryErrorsTest {
  private static final String SECRET = "secret detail of a bug";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Server server;
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(QueryErrors.class);

  @BeforeEach
  void start() {
    SpanStore broken = (SpanStore) Proxy.newProxyInstance(
        SpanStore.class.getClassLoader(), new Class<?>[] {SpanStore.class}, (proxy, method, args) -> switch (method.getName()) {
          case "isReady" -> true;
          case "close" -> null;
          case "toString" -> "broken store";
          default -> throw new IllegalStateException(SECRET);
        });
    ServerBuilder sb = Server.builder().http(0);
    QueryApi.builder(broken, new PrometheusRegistry()).build().install(sb);
    server = sb.build();
    server.start().join();
    log.start();
    logger.addAppender(log);
  }

  @AfterEach
  void stop() {
    logger.detachAppender(log);
    server.stop().join();
  }

  @Test
  void anUnexpectedFailureOfATempoEndpointIsAGeneric500InPlainText() throws Exception {
    HttpResponse<String> response = get("/api/search?q=%7B%20%7D");

    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/plain"));
    assertGeneric(response.body());
    assertLogged("GET /api/search", response.body());
  }

  @Test
  void anUnexpectedFailureOfAnApiV1EndpointIsAGeneric500InJson() throws Exception {
    HttpResponse<String> response = get("/api/v1/traces/top");

    assertThat(response.statusCode()).isEqualTo(500);
    JsonNode body = QueryApi.JSON.readTree(response.body());
    assertThat(body.fieldNames()).toIterable().containsExactly("error");
    assertGeneric(body.get("error").asText());
    assertLogged("GET /api/v1/traces/top", body.get("error").asText());
  }

  @Test
  void anUnexpectedFailureOfTraceByIdIsAGeneric500() throws Exception {
    HttpResponse<String> response = get("/api/traces/0af7651916cd43dd8448eb211c80319c");

    assertThat(response.statusCode()).isEqualTo(500);
    assertGeneric(QueryApi.JSON.readTree(response.body()).get("error").asText());
    assertLogged("GET /api/traces/0af7651916cd43dd8448eb211c80319c", response.body());
  }

  @Test
  void anUnexpectedFailureOfTheStreamingQuerierIsInternalWithAGenericDescription() {
    StreamingQuerierGrpc.StreamingQuerierBlockingStub client =
        GrpcClients.newClient("http://127.0.0.1:" + server.activeLocalPort(), StreamingQuerierGrpc.StreamingQuerierBlockingStub.class);

    assertThatThrownBy(() -> {
      Iterator<SearchResponse> responses = client.search(SearchRequest.newBuilder().setQuery("{ }").build());
      responses.forEachRemaining(r -> { });
    }).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
      assertGeneric(e.getStatus().getDescription());
      assertLogged("POST /tempopb.StreamingQuerier/Search", e.getStatus().getDescription());
    });
  }

  @Test
  void badParametersAre400NamingTheParameterInEachApisFormat() throws Exception {
    HttpResponse<String> tempo = get("/api/search?limit=abc");
    assertThat(tempo.statusCode()).isEqualTo(400);
    assertThat(tempo.body()).isEqualTo("limit: abc (expected: an integer from 1 to 10000)");

    HttpResponse<String> v1 = get("/api/v1/traces/top?by=size");
    assertThat(v1.statusCode()).isEqualTo(400);
    assertThat(QueryApi.JSON.readTree(v1.body()).get("error").asText())
        .isEqualTo("by: size (expected: cost, tokens, llm_calls or newest)");

    HttpResponse<String> metrics = get("/api/metrics/query_range?q=%7B%20%7D%20%7C%20rate()&step=5x");
    assertThat(metrics.statusCode()).isEqualTo(400);
    assertThat(metrics.body()).startsWith("step: 5x (expected: seconds or a duration such as 500ms");

    HttpResponse<String> trace = get("/api/traces/0af7651916cd43dd8448eb211c80319c?start=yesterday");
    assertThat(trace.statusCode()).isEqualTo(400);
    assertThat(QueryApi.JSON.readTree(trace.body()).get("error").asText()).startsWith("start: yesterday (expected: unix epoch seconds");
    assertThat(log.list).as("client errors are not logged as server failures")
        .noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
  }

  /** The client learns that it failed and where to look, nothing of the exception. */
  private static void assertGeneric(String message) {
    assertThat(message)
        .startsWith("internal error, see the server log (request id ")
        .doesNotContain(SECRET, "IllegalStateException", "java.", "dev.tokentrail", "\tat ", "Exception");
  }

  /** One ERROR line naming the method, path and request id, with the exception and its stack trace. */
  private void assertLogged(String methodAndPath, String answer) {
    List<ILoggingEvent> errors = log.list.stream().filter(e -> e.getLevel() == Level.ERROR).toList();
    assertThat(errors).hasSize(1);
    ILoggingEvent event = errors.get(0);
    String requestId = answer.substring(answer.indexOf("request id ") + "request id ".length(), answer.indexOf(')'));
    assertThat(event.getFormattedMessage()).startsWith(methodAndPath + " failed").contains(requestId);
    assertThat(event.getThrowableProxy().getMessage()).isEqualTo(SECRET);
    assertThat(event.getThrowableProxy().getStackTraceElementProxyArray()).isNotEmpty();
  }

  private HttpResponse<String> get(String pathAndQuery) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.activeLocalPort() + pathAndQuery))
            .timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
