package dev.tokentrail.query;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.tokentrail.analysis.FocusExport;
import dev.tokentrail.analysis.FocusRow;
import dev.tokentrail.analysis.WasteEngine;
import dev.tokentrail.security.RequestTenant;
import dev.tokentrail.store.CallFilter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /api/v1/focus}: the window's LLM spend as FinOps FOCUS 1.2 charges for chargeback, as
 * CSV (the default; what FinOps tools import) or JSON ({@code Accept: application/json} or {@code
 * format=json}). Takes {@code from}, {@code to} (default: the current UTC month up to now), {@code
 * granularity} ({@code hour}, {@code day} or {@code month}; default {@code day}) and the filters
 * of the other {@code /api/v1/} endpoints. Calls that could not be exported (unpriced) are counted
 * in the {@value #LEFT_OUT_HEADER} response header.
 */
final class FocusApi {
  static final String LEFT_OUT_HEADER = "tokentrail-calls-left-out";
  private static final MediaType CSV = MediaType.parse("text/csv; charset=utf-8");
  private static final ObjectMapper JSON = QueryApi.JSON.copy().enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);
  private final WasteEngine engine;

  FocusApi(WasteEngine engine) {
    this.engine = requireNonNull(engine, "engine");
  }

  void install(ServerBuilder server) {
    QueryApi.get(server, "/api/v1/focus", (ctx, req) -> QueryGuard.blocking(ctx, () -> focus(ctx)));
  }

  private HttpResponse focus(ServiceRequestContext ctx) {
    QueryParams params = QueryParams.of(ctx);
    long now = engine.clock().millis();
    long to = params.epochMillis("to", now);
    long monthStart = LocalDate.ofEpochDay(Math.floorDiv(to, 86_400_000L)).withDayOfMonth(1)
        .atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
    long from = params.epochMillis("from", monthStart);
    if (from > to) {
      throw new IllegalArgumentException("from: after to (expected: from <= to)");
    }
    FocusExport.Granularity granularity = FocusExport.Granularity.valueOf(
        params.choice("granularity", "day", List.of("hour", "day", "month")).toUpperCase(Locale.ROOT));
    boolean json = json(ctx, params.choice("format", null, List.of("csv", "json")));
    long[] window = TopTracesService.nanosWindow(from, to);
    CallFilter filter = new CallFilter(window[0], window[1], params.filter("service"), params.filter("team"),
        params.filter("project"), params.filter("model"), params.filter("feature"));
    FocusExport.Result result = engine.focus(RequestTenant.current(), filter, granularity);
    ResponseHeaders headers = ResponseHeaders.builder(HttpStatus.OK)
        .contentType(json ? MediaType.JSON_UTF_8 : CSV)
        .add(LEFT_OUT_HEADER, Integer.toString(result.callsLeftOut()))
        .build();
    return HttpResponse.of(headers, com.linecorp.armeria.common.HttpData.wrap(json ? json(result.rows()) : csv(result.rows())));
  }

  /** JSON when {@code format=json}, or without {@code format} when the client accepts JSON and not CSV. */
  private static boolean json(ServiceRequestContext ctx, String format) {
    if (format != null) {
      return format.equals("json");
    }
    String accept = ctx.request().headers().get(HttpHeaderNames.ACCEPT);
    return accept != null && accept.contains("application/json") && !accept.contains("text/csv");
  }

  private static byte[] json(List<FocusRow> rows) {
    List<Map<String, Object>> out = new ArrayList<>(rows.size());
    for (FocusRow row : rows) {
      out.add(row.columns());
    }
    try {
      return JSON.writeValueAsBytes(out);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize FOCUS rows", e);
    }
  }

  /** RFC 4180: a header of column ids, CRLF line ends, null as an empty field, JSON columns as JSON text. */
  static byte[] csv(List<FocusRow> rows) {
    StringBuilder out = new StringBuilder(256 + rows.size() * 600);
    appendLine(out, new ArrayList<>(FocusRow.COLUMNS));
    List<Object> values = new ArrayList<>(FocusRow.COLUMNS.size());
    for (FocusRow row : rows) {
      values.clear();
      values.addAll(row.columns().values());
      appendLine(out, values);
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void appendLine(StringBuilder out, List<?> values) {
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      Object value = values.get(i);
      if (value == null) {
        continue;
      }
      String text;
      if (value instanceof BigDecimal d) {
        text = d.toPlainString();
      } else if (value instanceof Map<?, ?> map) {
        try {
          text = JSON.writeValueAsString(map);
        } catch (JsonProcessingException e) {
          throw new IllegalStateException("cannot serialize a FOCUS key-value column", e);
        }
      } else {
        text = value.toString();
      }
      appendField(out, text);
    }
    out.append("\r\n");
  }

  private static void appendField(StringBuilder out, String text) {
    boolean quote = text.isEmpty() || text.indexOf(',') >= 0 || text.indexOf('"') >= 0 || text.indexOf('\n') >= 0
        || text.indexOf('\r') >= 0;
    if (!quote) {
      out.append(text);
      return;
    }
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"') {
        out.append('"');
      }
      out.append(c);
    }
    out.append('"');
  }
}
