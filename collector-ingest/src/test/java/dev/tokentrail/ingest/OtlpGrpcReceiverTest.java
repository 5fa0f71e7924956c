package dev.tokentrail.ingest;

import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.Tenants;
import static dev.tokentrail.ingest.OtlpRequests.chatSpan;
import static dev.tokentrail.ingest.OtlpRequests.randomSpanId;
import static dev.tokentrail.ingest.OtlpRequests.randomTraceId;
import static dev.tokentrail.ingest.OtlpRequests.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OTLP/gRPC over a raw stub: what the SDK exporter cannot show, such as partial success. */
class OtlpGrpcReceiverTest {
  @TempDir Path dataDir;
  private IngestServer server;
  private TraceServiceGrpc.TraceServiceBlockingStub traces;

  @BeforeEach
  void start() {
    server = IngestServer.builder().luceneStore(dataDir).start();
    traces =
        GrpcClients.builder(server.baseUri())
            .responseTimeout(Duration.ofSeconds(10))
            .build(TraceServiceGrpc.TraceServiceBlockingStub.class);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void spanWithInvalidIdIsRejectedWhileTheValidOneIsStored() {
    TraceId traceId = randomTraceId();

    ExportTraceServiceResponse response =
        traces.export(
            request(
                chatSpan(traceId, randomSpanId(), "gpt-4o", 10, 5),
                chatSpan(traceId, randomSpanId(), "gpt-4o", 10, 5).setSpanId(ByteString.copyFrom(new byte[8]))));

    assertThat(response.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    assertThat(response.getPartialSuccess().getErrorMessage()).contains("invalid spanId");
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .until(() -> server.store.getTrace(Tenants.DEFAULT, traceId, 0, 0).size() == 1);
    assertThat(server.metrics().counter("tokentrail_ingest_requests_total", "protocol", "grpc", "result", "partial_success"))
        .isEqualTo(1.0);
  }

  @Test
  void emptyExportIsFullSuccess() {
    ExportTraceServiceResponse response = traces.export(request());

    assertThat(response.hasPartialSuccess()).isFalse();
  }
}
