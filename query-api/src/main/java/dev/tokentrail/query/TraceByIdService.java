package dev.tokentrail.query;

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
import dev.tokentrail.model.Ids;
import dev.tokentrail.model.Span;
import dev.tokentrail.otlp.OtlpSpans;
import dev.tokentrail.store.SpanStore;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Tempo's trace-by-id endpoints. {@code /api/traces/{id}} answers Tempo's {@code Trace} ({@code
 * {"batches": [ResourceSpans...]}}); {@code /api/v2/traces/{id}} answers {@code
 * TraceByIDResponse} ({@code {"trace": {"resourceSpans": [...]}}}). Both serve protobuf when the
 * client accepts {@code application/protobuf}, as Grafana does. Ids in JSON are base64, as Tempo
 * writes them. Unknown traces are 404, malformed ids 400.
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
    String traceId = Ids.normalizeTraceId(raw);
    if (traceId == null) {
      return JsonResponses.error(HttpStatus.BAD_REQUEST, "traceId: " + raw + " (expected: up to 32 hex digits)");
    }
    long start;
    long end;
    try {
      start = epochSecondsParam(ctx, "start");
      end = epochSecondsParam(ctx, "end");
    } catch (IllegalArgumentException e) {
      return JsonResponses.error(HttpStatus.BAD_REQUEST, e.getMessage());
    }
    boolean protobuf = acceptsProtobuf(req);
    return HttpResponse.of(
        () -> {
          List<Span> spans = store.getTrace(traceId, start, end);
          if (spans.isEmpty()) {
            return HttpResponse.of(HttpStatus.NOT_FOUND, MediaType.PLAIN_TEXT_UTF_8, "trace not found");
          }
          TracesData data = OtlpSpans.encode(spans);
          if (protobuf) {
            // Tempo's Trace {repeated ResourceSpans batches = 1} has TracesData's wire format;
            // TraceByIDResponse wraps it as field 1.
            byte[] body = v2 ? wrapAsField1(data.toByteArray()) : data.toByteArray();
            return HttpResponse.of(HttpStatus.OK, PROTOBUF, HttpData.wrap(body));
          }
          String json;
          try {
            json = JSON.print(data);
          } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
          }
          String body =
              v2
                  ? "{\"trace\":" + json + "}"
                  : json.replaceFirst("^\\{\"resourceSpans\":", "{\"batches\":");
          return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, HttpData.of(StandardCharsets.UTF_8, body));
        },
        ctx.blockingTaskExecutor());
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

  /** Tempo's {@code start}/{@code end}: unix epoch seconds; returns epoch nanos or 0. */
  static long epochSecondsParam(ServiceRequestContext ctx, String name) {
    String value = ctx.queryParam(name);
    if (value == null || value.isEmpty()) {
      return 0;
    }
    try {
      long seconds = Long.parseLong(value);
      if (seconds < 0) {
        throw new NumberFormatException();
      }
      return seconds * 1_000_000_000L;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: unix epoch seconds)");
    }
  }
}
