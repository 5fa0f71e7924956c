package dev.tokentrail.ingest;

import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.Tenants;
import static dev.tokentrail.ingest.OtlpMemoryBudgetTest.export;
import static dev.tokentrail.ingest.OtlpMemoryBudgetTest.retryDelaySeconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpRequestWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Protocol details of the receivers that clients and operators depend on (issue 12, item 6). */
class OtlpProtocolDetailsTest {
  private static final MediaType PROTOBUF = MediaType.create("application", "x-protobuf");

  @TempDir Path dataDir;
  private IngestServer server;
  private ManagedChannel channel;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final List<java.util.logging.LogRecord> julRecords = new CopyOnWriteArrayList<>();
  private final java.util.logging.Handler julHandler =
      new java.util.logging.Handler() {
        @Override
        public void publish(java.util.logging.LogRecord record) {
          julRecords.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void captureLogs() {
    logs.start();
    root().addAppender(logs);
    java.util.logging.Logger.getLogger("").addHandler(julHandler);
  }

  @AfterEach
  void stop() {
    root().detachAppender(logs);
    java.util.logging.Logger.getLogger("").removeHandler(julHandler);
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  @Test
  void grpcJavaClientSeesResourceExhaustedWithRetryInfoAtTheConcurrencyLimit() throws Exception {
    // The trailers-only response lacked END_STREAM: grpc-java reported CANCELLED or UNKNOWN.
    server = IngestServer.builder().luceneStore(dataDir).maxConcurrentRequests(1).start();
    HttpRequestWriter held = holdExportInFlight();

    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> TraceServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(10, TimeUnit.SECONDS).export(export(1)));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(e.getStatus().getDescription()).isEqualTo("too many concurrent exports; retry later");
    assertThat(retryDelaySeconds(e)).isEqualTo(1);
    held.abort();
  }

  @Test
  void requestTimeoutIsServiceUnavailableWithRetryAfter() {
    GatedStore store = new GatedStore();
    server = IngestServer.builder().store(store).requestTimeout(Duration.ofMillis(300)).start();

    AggregatedHttpResponse response =
        WebClient.builder(server.baseUri())
            .responseTimeout(Duration.ofSeconds(10))
            .build()
            .blocking()
            .execute(HttpRequest.of(RequestHeaders.builder(HttpMethod.POST, "/v1/traces").contentType(PROTOBUF).build(),
                HttpData.wrap(export(1).toByteArray())));

    assertThat(response.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
    assertThat(response.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo("1");
    store.open();
  }

  @Test
  void jsonExportFullOfLoneSurrogatesIsStoredWithoutALogLinePerString() {
    server = IngestServer.builder().luceneStore(dataDir).start();
    StringBuilder attributes = new StringBuilder();
    for (int i = 0; i < 2_000; i++) {
      attributes.append(i == 0 ? "" : ",")
          .append("{\"key\":\"k").append(i).append("\",\"value\":{\"stringValue\":\"x\\ud800y\"}}");
    }
    String json =
        """
        {"resourceSpans":[{"scopeSpans":[{"spans":[{
          "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"lone\\udc00",
          "startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[%s]}]}]}]}
        """
            .formatted(System.currentTimeMillis() * 1_000_000L, System.currentTimeMillis() * 1_000_000L + 1000, attributes);
    int before = logs.list.size();

    AggregatedHttpResponse response =
        WebClient.of(server.baseUri())
            .blocking()
            .execute(HttpRequest.of(RequestHeaders.builder(HttpMethod.POST, "/v1/traces").contentType(MediaType.JSON).build(),
                HttpData.of(StandardCharsets.UTF_8, json)));

    assertThat(response.status()).isEqualTo(HttpStatus.OK);
    assertThat(julRecords).as("java.util.logging records (protobuf logged a stack trace per string)").isEmpty();
    assertThat(logs.list.subList(before, logs.list.size())).noneMatch(e -> e.getThrowableProxy() != null);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> !server.store.getTrace(Tenants.DEFAULT, TraceId.fromHex("5b8efff798038103d269b633813fc60c"), 0, Long.MAX_VALUE).isEmpty());
    assertThat(server.store.getTrace(Tenants.DEFAULT, TraceId.fromHex("5b8efff798038103d269b633813fc60c"), 0, Long.MAX_VALUE))
        .singleElement()
        .satisfies(span -> {
          assertThat(span.name()).isEqualTo("lone\uFFFD");
          assertThat(span.attributes().get("k1999")).isEqualTo("x\uFFFDy");
        });
  }

  private ManagedChannel channel() {
    if (channel == null) {
      channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    }
    return channel;
  }

  private HttpRequestWriter holdExportInFlight() throws InterruptedException {
    byte[] body = export(1).toByteArray();
    HttpRequestWriter request =
        HttpRequest.streaming(
            RequestHeaders.builder(HttpMethod.POST, "/v1/traces").contentType(PROTOBUF).set(IngestServer.HOLD_HEADER, "1").build());
    request.write(HttpData.wrap(Arrays.copyOf(body, body.length / 2)));
    WebClient.builder(server.baseUri()).responseTimeout(Duration.ZERO).build().execute(request);
    assertThat(server.heldRequestAdmitted().await(10, TimeUnit.SECONDS)).as("held export admitted").isTrue();
    return request;
  }
}
