package dev.tokentrail.query;

import dev.tokentrail.model.TraceId;
import dev.tokentrail.security.RequestTenant;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.tokentrail.model.Span;
import dev.tokentrail.otlp.OtlpSpans;
import dev.tokentrail.store.SpanStore;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Tempo's trace-by-id endpoints. {@code /api/traces/{id}} answers Tempo's {@code Trace} ({@code
 * {"batches": [ResourceSpans...]}}); {@code /api/v2/traces/{id}} answers {@code
 * TraceByIDResponse} ({@code {"trace": {"resourceSpans": [...]}}}). Both serve protobuf when the
 * client accepts {@code application/protobuf}, as Grafana does. Ids in JSON are base64, as Tempo
 * writes them. Unknown traces are 404, malformed ids and times 400 (JSON, {@link QueryErrors}).
 */
final class TraceByIdService {
  private static final MediaType PROTOBUF = MediaType.create("application", "protobuf");
  private static final JsonFormat.Printer JSON = JsonFormat.printer().omittingInsignificantWhitespace();

  private final SpanStore store;

  TraceByIdService(SpanStore store) {
    this.store = store;
  }

  HttpService v1() {
    return (ctx, req) -> serve(ctx, req, false);
  }

  HttpService v2() {
    return (ctx, req) -> serve(ctx, req, true);
  }

  private HttpResponse serve(ServiceRequestContext ctx, HttpRequest req, boolean v2) {
    String raw = ctx.pathParam("traceId");
    TraceId traceId = TraceId.parseUserInput(raw);
    if (traceId == null) {
      return JsonResponses.error(HttpStatus.BAD_REQUEST, "traceId: " + raw + " (expected: up to 32 hex digits)");
    }
    QueryParams params = QueryParams.of(ctx);
    long start = params.epochSeconds("start");
    long end = params.epochSeconds("end");
    boolean protobuf = acceptsProtobuf(req);
    return HttpResponse.of(
        () -> {
          List<Span> spans = store.getTrace(RequestTenant.current(), traceId, start, end);
          if (spans.isEmpty()) {
            return HttpResponse.of(HttpStatus.NOT_FOUND, MediaType.PLAIN_TEXT_UTF_8, "trace not found");
          }
          if (protobuf) {
            return HttpResponse.of(HttpStatus.OK, PROTOBUF, HttpData.wrap(protobufBody(spans, v2)));
          }
          return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, HttpData.of(StandardCharsets.UTF_8, jsonBody(spans, v2)));
        },
        ctx.blockingTaskExecutor());
  }

  /**
   * Tempo's {@code Trace} (v1) or {@code TraceByIDResponse} (v2) in protobuf. Tempo's {@code Trace
   * {repeated ResourceSpans resourceSpans = 1}} has TracesData's wire format; TraceByIDResponse
   * wraps it as field 1.
   */
  static byte[] protobufBody(List<Span> spans, boolean v2) {
    byte[] trace = asTempoAnswers(OtlpSpans.encode(spans)).toByteArray();
    return v2 ? wrapAsField1(trace) : trace;
  }

  /** The same answer in JSON: v1 {@code {"batches": [...]}}, v2 {@code {"trace": {"resourceSpans": [...]}}}. */
  static String jsonBody(List<Span> spans, boolean v2) {
    String json;
    try {
      json = JSON.print(asTempoAnswers(OtlpSpans.encode(spans)));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
    return v2 ? "{\"trace\":" + json + "}" : json.replaceFirst("^\\{\"resourceSpans\":", "{\"batches\":");
  }

  /**
   * Fills what real Tempo always sends and Grafana dereferences without a nil check
   * (pkg/tempo/trace_transform.go in the Tempo data source): every span's {@code status} (code 0,
   * UNSET, when the span had none, which is how most SDKs send successful spans), every resource
   * and every instrumentation scope (empty when the span had none). The store keeps the compact
   * encoding; only answers carry the empty messages.
   */
  static TracesData asTempoAnswers(TracesData data) {
    TracesData.Builder out = data.toBuilder();
    for (ResourceSpans.Builder resourceSpans : out.getResourceSpansBuilderList()) {
      resourceSpans.getResourceBuilder(); // marks the field present, even when empty
      for (ScopeSpans.Builder scopeSpans : resourceSpans.getScopeSpansBuilderList()) {
        scopeSpans.getScopeBuilder();
        for (io.opentelemetry.proto.trace.v1.Span.Builder span : scopeSpans.getSpansBuilderList()) {
          span.getStatusBuilder();
        }
      }
    }
    return out.build();
  }

  private static byte[] wrapAsField1(byte[] message) {
    com.google.protobuf.ByteString.Output out = com.google.protobuf.ByteString.newOutput(message.length + 8);
    try {
      com.google.protobuf.CodedOutputStream coded = com.google.protobuf.CodedOutputStream.newInstance(out);
      coded.writeByteArray(1, message);
      coded.flush();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteString().toByteArray();
  }

  static boolean acceptsProtobuf(HttpRequest req) {
    String accept = req.headers().get(HttpHeaderNames.ACCEPT);
    return accept != null && accept.contains("application/protobuf");
  }
}
