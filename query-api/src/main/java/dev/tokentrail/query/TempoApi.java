package dev.tokentrail.query;

import dev.tokentrail.security.RequestTenant;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.tokentrail.model.Span;
import dev.tokentrail.query.traceql.LenientConditions;
import dev.tokentrail.query.traceql.TraceQl;
import dev.tokentrail.query.traceql.TraceQlParser;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanStore;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.TagNames;
import dev.tokentrail.store.TagValue;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Grafana Tempo's HTTP search API over the span store, with the request parameters and response
 * shapes of Tempo's own API (docs/research/tempo-api.md): echo, build info, TraceQL search, and
 * the v1/v2 tag name and tag value endpoints. Errors are plain text, as Tempo answers them
 * ({@link QueryErrors}).
 */
final class TempoApi {
  static final String TEMPO_VERSION = "2.7.0";
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final List<String> INTRINSICS =
      List.of("duration", "kind", "name", "rootName", "rootServiceName", "status", "statusMessage", "traceDuration",
          "span:duration", "span:kind", "span:name", "span:status", "span:statusMessage",
          "trace:duration", "trace:rootName", "trace:rootService");
  private static final int DEFAULT_LIMIT = 20;
  private static final int MAX_LIMIT = 10_000;
  private static final long DEFAULT_WINDOW_NANOS = 3600L * 1_000_000_000L;

  private final SpanStore store;
  private final Clock clock;

  TempoApi(SpanStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  void install(ServerBuilder server) {
    QueryApi.get(server, "/api/echo", (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "echo"));
    QueryApi.get(server, "/api/status/buildinfo", (ctx, req) -> JsonResponses.ok(Map.of(
        "version", TEMPO_VERSION,
        "revision", "tokentrail",
        "branch", "main",
        "buildUser", "tokentrail",
        "buildDate", "",
        "goVersion", "")));
    QueryApi.get(server, "/api/search", (ctx, req) -> QueryGuard.blocking(ctx, () -> search(ctx)));
    QueryApi.get(server, "/api/search/tags", (ctx, req) -> QueryGuard.blocking(ctx, () -> tagsV1(ctx)));
    QueryApi.get(server, "/api/v2/search/tags", (ctx, req) -> QueryGuard.blocking(ctx, () -> tagsV2(ctx)));
    QueryApi.get(server, "/api/search/tag/{name}/values", (ctx, req) -> QueryGuard.blocking(ctx, () -> tagValues(ctx, false)));
    QueryApi.get(server, "/api/v2/search/tag/{name}/values", (ctx, req) -> QueryGuard.blocking(ctx, () -> tagValues(ctx, true)));
  }

  // ---------------------------------------------------------------------------------------------
  // Search

  private HttpResponse search(ServiceRequestContext ctx) {
    QueryParams params = QueryParams.of(ctx);
    String q = params.optionalString("q");
    TraceQl query = searchQuery(q, params.optionalString("tags"));
    long[] range = params.timeRangeSeconds("start", "end");
    long[] window = window(range[0], range[1]);
    int limit = params.limit("limit", DEFAULT_LIMIT, MAX_LIMIT);
    int spss = params.integer("spss", 3, 0, 1000);
    // Tempo's minDuration/maxDuration: Go durations such as 100ms or 1.5s; absent is no bound.
    long minDuration = params.duration("minDuration", Duration.ZERO).toNanos();
    long maxDuration = params.duration("maxDuration", Duration.ZERO).toNanos();
    SearchResult result = search(query, isTraceQl(q), window[0], window[1], minDuration, maxDuration, limit, spss);
    ObjectNode body = NODES.objectNode();
    ArrayNode traces = body.putArray("traces");
    for (TraceMatch match : result.matches()) {
      traces.add(traceMetadata(match, result.shown(), result.traceQl()));
    }
    ObjectNode metrics = body.putObject("metrics");
    metrics.put("inspectedTraces", result.matches().size());
    metrics.put("totalBlocks", 1);
    return JsonResponses.ok(body);
  }

  /**
   * What a search found: the matched traces, the attributes to show on their matched spans, and
   * whether it was a TraceQL query (only those answer spansets).
   */
  record SearchResult(List<TraceMatch> matches, List<Shown> shown, boolean traceQl) {}

  static boolean isTraceQl(String q) {
    return q != null && !q.isBlank();
  }

  /** A search's query: the TraceQL {@code q}, or without one the legacy logfmt {@code tags}. */
  static TraceQl searchQuery(String q, String tags) {
    return isTraceQl(q)
        ? TraceQlParser.parse(q)
        : new TraceQl(Spansets.of(tagsFilter(tags)), List.of(), List.of());
  }

  /**
   * The search behind {@code /api/search}, also run by the gRPC streaming search; the window in
   * epoch nanoseconds as {@link #window(long, long)} returns it.
   */
  SearchResult search(TraceQl query, boolean traceQl, long startNanos, long endNanos, long minDuration,
      long maxDuration, int limit, int spss) {
    TraceSearch search =
        new TraceSearch(query.spansets(), query.aggregates(), startNanos, endNanos, minDuration, maxDuration,
            limit, spss, TraceSearch.Order.NEWEST);
    return new SearchResult(store.search(RequestTenant.current(), search), shownAttributes(query), traceQl);
  }

  private static ObjectNode traceMetadata(TraceMatch match, List<Shown> shown, boolean traceQl) {
    ObjectNode trace = NODES.objectNode();
    trace.put("traceID", trimLeadingZeros(match.summary().traceId().hex()));
    if (!match.summary().rootServiceName().isEmpty()) {
      trace.put("rootServiceName", match.summary().rootServiceName());
    }
    if (!match.summary().rootSpanName().isEmpty()) {
      trace.put("rootTraceName", match.summary().rootSpanName());
    }
    trace.put("startTimeUnixNano", Long.toString(match.summary().startEpochNanos()));
    long durationMs = match.summary().durationNanos() / 1_000_000;
    if (durationMs > 0) {
      trace.put("durationMs", durationMs);
    }
    if (!traceQl) {
      return trace;
    }
    ObjectNode spanSet = NODES.objectNode();
    ArrayNode spans = spanSet.putArray("spans");
    for (Span span : match.matchedSpans()) {
      spans.add(spanOf(span, shown));
    }
    spanSet.put("matched", match.matchedCount());
    if (!match.aggregates().isEmpty()) {
      ArrayNode attributes = spanSet.putArray("attributes");
      for (Map.Entry<String, Double> e : match.aggregates().entrySet()) {
        ObjectNode kv = attributes.addObject();
        kv.put("key", e.getKey());
        double v = e.getValue();
        if (isIntAggregate(e.getKey(), v)) {
          kv.putObject("value").put("intValue", Long.toString((long) v));
        } else {
          kv.putObject("value").put("doubleValue", v);
        }
      }
    }
    trace.putArray("spanSets").add(spanSet);
    return trace;
  }

  /** Whether a spanset aggregate is shown as an int (counts, whole sums) rather than a double. */
  static boolean isIntAggregate(String key, double v) {
    return key.startsWith("count(") || (v == Math.rint(v) && Math.abs(v) < 1e15 && !key.startsWith("avg("));
  }

  private static ObjectNode spanOf(Span span, List<Shown> shown) {
    ObjectNode out = NODES.objectNode();
    out.put("spanID", span.spanId().hex());
    out.put("name", span.name());
    out.put("startTimeUnixNano", Long.toString(span.startEpochNanos()));
    out.put("durationNanos", Long.toString(span.durationNanos()));
    ArrayNode attributes = NODES.arrayNode();
    for (Shown s : shown) {
      Object value = s.valueOf(span);
      if (value != null) {
        ObjectNode kv = attributes.addObject();
        kv.put("key", s.key);
        kv.set("value", anyValue(value));
      }
    }
    if (!attributes.isEmpty()) {
      out.set("attributes", attributes);
    }
    return out;
  }

  /** OTLP AnyValue JSON as Tempo writes it: intValue as a string. */
  static ObjectNode anyValue(Object value) {
    ObjectNode v = NODES.objectNode();
    if (value instanceof String s) {
      v.put("stringValue", s);
    } else if (value instanceof Long l) {
      v.put("intValue", Long.toString(l));
    } else if (value instanceof Double d) {
      v.put("doubleValue", d);
    } else if (value instanceof Boolean b) {
      v.put("boolValue", b);
    } else {
      v.put("stringValue", String.valueOf(value));
    }
    return v;
  }

  /** An attribute shown on matched spans: those the query filtered on or selected. */
  record Shown(FieldRef field, String key) {
    Object valueOf(Span span) {
      return switch (field.scope()) {
        case SPAN -> span.attributes().get(field.name());
        case RESOURCE -> span.resource().attributes().get(field.name());
        case ANY -> {
          Object v = span.attributes().get(field.name());
          yield v != null ? v : span.resource().attributes().get(field.name());
        }
        case INTRINSIC -> switch (field.name()) {
          case FieldRef.STATUS -> span.statusCode().traceQlName();
          case FieldRef.KIND -> span.kind().traceQlName();
          case FieldRef.STATUS_MESSAGE -> span.statusMessage().isEmpty() ? null : span.statusMessage();
          default -> null;
        };
      };
    }
  }

  private static List<Shown> shownAttributes(TraceQl query) {
    Set<FieldRef> fields = new LinkedHashSet<>();
    collectFields(query.spansets(), fields);
    fields.addAll(query.select());
    List<Shown> out = new ArrayList<>();
    Set<String> keys = new LinkedHashSet<>();
    for (FieldRef f : fields) {
      if (keys.add(f.name())) {
        out.add(new Shown(f, f.name()));
      }
    }
    return out;
  }

  private static void collectFields(Spansets spansets, Set<FieldRef> out) {
    switch (spansets) {
      case Spansets.Filter f -> collectFields(f.filter(), out);
      case Spansets.Combine c -> {
        collectFields(c.left(), out);
        collectFields(c.right(), out);
      }
    }
  }

  private static void collectFields(SpanFilter filter, Set<FieldRef> out) {
    switch (filter) {
      case SpanFilter.All all -> { }
      case SpanFilter.And and -> and.filters().forEach(f -> collectFields(f, out));
      case SpanFilter.Or or -> or.filters().forEach(f -> collectFields(f, out));
      case SpanFilter.Condition c -> out.add(c.field());
    }
  }

  /** Tempo's legacy {@code tags} parameter: logfmt {@code key=value} pairs, all required. */
  static SpanFilter tagsFilter(String tags) {
    if (tags == null || tags.isBlank()) {
      return SpanFilter.all();
    }
    List<SpanFilter> conditions = new ArrayList<>();
    int i = 0;
    String s = tags.trim();
    while (i < s.length()) {
      int eq = s.indexOf('=', i);
      if (eq < 0) {
        throw new IllegalArgumentException("tags: " + tags + " (expected: logfmt key=value pairs)");
      }
      String key = s.substring(i, eq).trim();
      int valueStart = eq + 1;
      String value;
      if (valueStart < s.length() && s.charAt(valueStart) == '"') {
        int close = s.indexOf('"', valueStart + 1);
        if (close < 0) {
          throw new IllegalArgumentException("tags: unterminated quote in " + tags);
        }
        value = s.substring(valueStart + 1, close);
        i = close + 1;
      } else {
        int space = s.indexOf(' ', valueStart);
        value = s.substring(valueStart, space < 0 ? s.length() : space);
        i = space < 0 ? s.length() : space;
      }
      while (i < s.length() && s.charAt(i) == ' ') {
        i++;
      }
      FieldRef field = switch (key) {
        case "name" -> FieldRef.intrinsic(FieldRef.NAME);
        case "status.code", "status" -> FieldRef.intrinsic(FieldRef.STATUS);
        default -> FieldRef.any(key);
      };
      Object typed = value;
      if (field.scope() == FieldRef.Scope.ANY && !value.isEmpty() && value.chars().allMatch(Character::isDigit) && value.length() < 18) {
        typed = Long.parseLong(value);
        conditions.add(new SpanFilter.Or(List.of(SpanFilter.eq(field, typed), SpanFilter.eq(field, value))));
        continue;
      }
      conditions.add(SpanFilter.eq(field, typed));
    }
    return conditions.size() == 1 ? conditions.get(0) : new SpanFilter.And(conditions);
  }

  // ---------------------------------------------------------------------------------------------
  // Tags

  private HttpResponse tagsV1(ServiceRequestContext ctx) {
    QueryParams params = QueryParams.of(ctx);
    long[] window = tagWindow(params);
    TagNames names = store.tagNames(RequestTenant.current(), window[0], window[1], params.limit("limit", 5000, 100_000));
    Set<String> all = new java.util.TreeSet<>(names.span());
    all.addAll(names.resource());
    ObjectNode body = NODES.objectNode();
    ArrayNode tagNames = body.putArray("tagNames");
    all.forEach(tagNames::add);
    return JsonResponses.ok(body);
  }

  private HttpResponse tagsV2(ServiceRequestContext ctx) {
    QueryParams params = QueryParams.of(ctx);
    String scope = params.choice("scope", "all", List.of("span", "resource", "intrinsic", "all"));
    long[] window = tagWindow(params);
    TagNames names = store.tagNames(RequestTenant.current(), window[0], window[1], params.limit("limit", 5000, 100_000));
    ObjectNode body = NODES.objectNode();
    ArrayNode scopes = body.putArray("scopes");
    if (scope.equals("all") || scope.equals("resource")) {
      addScope(scopes, "resource", names.resource());
    }
    if (scope.equals("all") || scope.equals("span")) {
      addScope(scopes, "span", names.span());
    }
    if (scope.equals("all") || scope.equals("intrinsic")) {
      addScope(scopes, "intrinsic", INTRINSICS);
    }
    return JsonResponses.ok(body);
  }

  private static void addScope(ArrayNode scopes, String name, List<String> tags) {
    ObjectNode scope = scopes.addObject();
    scope.put("name", name);
    ArrayNode array = scope.putArray("tags");
    tags.forEach(array::add);
  }

  private HttpResponse tagValues(ServiceRequestContext ctx, boolean v2) {
    String raw = ctx.pathParam("name");
    // Older Grafana versions encode the tag twice in the path.
    String name = raw.contains("%") ? URLDecoder.decode(raw, StandardCharsets.UTF_8) : raw;
    QueryParams params = QueryParams.of(ctx);
    int limit = params.limit("limit", 1000, 100_000);
    long[] window = tagWindow(params);
    FieldRef field = v2 ? scopedField(name) : FieldRef.any(name);
    List<TagValue> values;
    if (field.scope() == FieldRef.Scope.INTRINSIC) {
      values = switch (field.name()) {
        case FieldRef.STATUS -> keywords("error", "ok", "unset");
        case FieldRef.KIND -> keywords("unspecified", "internal", "server", "client", "producer", "consumer");
        case FieldRef.DURATION, FieldRef.TRACE_DURATION -> List.of();
        default -> store.tagValues(RequestTenant.current(), field, window[0], window[1], limit);
      };
    } else {
      values = narrowedValues(field, params.optionalString("q"), window, limit);
    }
    ObjectNode body = NODES.objectNode();
    ArrayNode array = body.putArray("tagValues");
    for (TagValue value : values) {
      String text = value.type().equals("float") ? tempoFloat(value.value()) : value.value();
      if (v2) {
        ObjectNode v = array.addObject();
        v.put("type", value.type());
        v.put("value", text);
      } else {
        array.add(text);
      }
    }
    return JsonResponses.ok(body);
  }

  /**
   * Tag values as Tempo answers them with a {@code q} (its querier and {@code
   * Engine.ExecuteTagValues}): {@code q} is read leniently (the editor sends unfinished text);
   * without conditions every value; an OR group holding {@code tag = X} answers X itself; the
   * other groups answer the values among the spans that match them.
   */
  private List<TagValue> narrowedValues(FieldRef field, String q, long[] window, int limit) {
    List<List<SpanFilter.Condition>> groups = LenientConditions.extract(q);
    if (groups == null) {
      return store.tagValues(RequestTenant.current(), field, window[0], window[1], limit);
    }
    Set<TagValue> out = new LinkedHashSet<>();
    List<SpanFilter> fetch = new ArrayList<>();
    for (List<SpanFilter.Condition> group : groups) {
      SpanFilter.Condition self = group.stream()
          .filter(c -> c.field().equals(field) && c.op() == SpanFilter.Op.EQ && c.value() != null)
          .findFirst().orElse(null);
      if (self != null) {
        if (out.size() < limit) {
          out.add(typed(self.value()));
        }
      } else {
        fetch.add(group.size() == 1 ? group.get(0) : new SpanFilter.And(List.copyOf(group)));
      }
    }
    if (!fetch.isEmpty()) {
      SpanFilter filter = fetch.size() == 1 ? fetch.get(0) : new SpanFilter.Or(fetch);
      for (TagValue value : valuesAmongMatches(field, new Spansets.Filter(filter), window, limit)) {
        if (out.size() < limit) {
          out.add(value);
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * Tag values narrowed by a filter: the distinct values among spans of recent matching traces,
   * like Tempo's own sampled answer.
   */
  private List<TagValue> valuesAmongMatches(FieldRef field, Spansets spansets, long[] window, int limit) {
    List<TraceMatch> matches = store.search(RequestTenant.current(), new TraceSearch(spansets, List.of(), window[0], window[1], 0, 0, 500, 50, TraceSearch.Order.NEWEST));
    Set<TagValue> out = new LinkedHashSet<>();
    Shown shown = new Shown(field, field.name());
    for (TraceMatch match : matches) {
      for (Span span : match.matchedSpans()) {
        Object value = shown.valueOf(span);
        if (value != null && out.size() < limit) {
          out.add(typed(value));
        }
      }
    }
    return List.copyOf(out);
  }

  private static TagValue typed(Object value) {
    if (value instanceof Long l) {
      return new TagValue("int", Long.toString(l));
    }
    if (value instanceof Double d) {
      return new TagValue("float", tempoFloat(d));
    }
    if (value instanceof Boolean b) {
      return new TagValue("bool", b.toString());
    }
    return new TagValue("string", String.valueOf(value));
  }

  /** A float tag value as Tempo writes it; values that are not a number are passed through. */
  static String tempoFloat(String value) {
    try {
      return tempoFloat(Double.parseDouble(value));
    } catch (NumberFormatException e) {
      return value;
    }
  }

  /**
   * A float as Tempo writes tag values ({@code traceql.Static.EncodeToString}): Go's {@code
   * strconv.FormatFloat(f, 'g', -1, 64)}, the shortest digits that read back as the same double,
   * plain from 1e-4 up to 1e6 and with an exponent of at least two digits outside ({@code 0.00042},
   * {@code 1.5e+06}, {@code 4.2e-05}), and {@code .0} added when the result would read as an
   * integer ({@code 3.0}). NaN and infinities are written as Go writes them ({@code NaN}, {@code
   * +Inf}, {@code -Inf}).
   */
  static String tempoFloat(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "+Inf" : "-Inf";
    }
    if (value == 0) {
      return (1 / value < 0 ? "-0" : "0") + ".0";
    }
    java.math.BigDecimal exact = new java.math.BigDecimal(Math.abs(value));
    java.math.BigDecimal shortest = exact;
    for (int digits = 1; digits <= 17; digits++) {
      java.math.BigDecimal rounded = exact.round(new java.math.MathContext(digits, java.math.RoundingMode.HALF_EVEN));
      if (rounded.doubleValue() == Math.abs(value)) {
        shortest = rounded;
        break;
      }
    }
    shortest = shortest.stripTrailingZeros();
    String digits = shortest.unscaledValue().toString();
    int pointAt = digits.length() - shortest.scale(); // digits before the decimal point
    int exponent = pointAt - 1;
    StringBuilder out = new StringBuilder(value < 0 ? "-" : "");
    if (exponent < -4 || exponent >= 6) {
      out.append(digits.charAt(0));
      if (digits.length() > 1) {
        out.append('.').append(digits, 1, digits.length());
      }
      out.append('e').append(exponent < 0 ? '-' : '+');
      int abs = Math.abs(exponent);
      if (abs < 10) {
        out.append('0');
      }
      out.append(abs);
      return out.toString();
    }
    if (pointAt <= 0) {
      out.append("0.").append("0".repeat(-pointAt)).append(digits);
    } else if (pointAt >= digits.length()) {
      out.append(digits).append("0".repeat(pointAt - digits.length())).append(".0");
    } else {
      out.append(digits, 0, pointAt).append('.').append(digits, pointAt, digits.length());
    }
    return out.toString();
  }

  private static List<TagValue> keywords(String... values) {
    List<TagValue> out = new ArrayList<>();
    for (String v : values) {
      out.add(new TagValue("keyword", v));
    }
    return out;
  }

  /** {@code span.x}, {@code resource.x}, {@code .x} or an intrinsic, as in TraceQL. */
  static FieldRef scopedField(String name) {
    if (name.startsWith("span.")) {
      return FieldRef.span(name.substring(5));
    }
    if (name.startsWith("resource.")) {
      return FieldRef.resource(name.substring(9));
    }
    if (name.startsWith(".")) {
      return FieldRef.any(name.substring(1));
    }
    return switch (name) {
      case "name", "span:name" -> FieldRef.intrinsic(FieldRef.NAME);
      case "status", "span:status" -> FieldRef.intrinsic(FieldRef.STATUS);
      case "kind", "span:kind" -> FieldRef.intrinsic(FieldRef.KIND);
      case "duration", "span:duration" -> FieldRef.intrinsic(FieldRef.DURATION);
      case "statusMessage", "span:statusMessage" -> FieldRef.intrinsic(FieldRef.STATUS_MESSAGE);
      case "rootServiceName", "trace:rootService" -> FieldRef.intrinsic(FieldRef.SERVICE);
      case "rootName", "trace:rootName" -> FieldRef.intrinsic(FieldRef.ROOT_NAME);
      case "traceDuration", "trace:duration" -> FieldRef.intrinsic(FieldRef.TRACE_DURATION);
      default -> FieldRef.any(name);
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Parameters

  /**
   * A search window from start/end in epoch nanoseconds (whole seconds, 0 = absent): {start, end
   * or 0}; without either, the last hour (like Tempo's recent data).
   */
  long[] window(long start, long end) {
    long now = clock.millis() * 1_000_000L;
    if (start == 0 && end == 0) {
      return new long[] {now - DEFAULT_WINDOW_NANOS, 0};
    }
    if (end != 0 && start > end) {
      throw new IllegalArgumentException("start: after end (expected: start <= end)");
    }
    return inclusiveEnd(start, end);
  }

  /** The tag endpoints' window: {@code start}/{@code end} in unix seconds, open when absent. */
  private static long[] tagWindow(QueryParams params) {
    long[] range = params.timeRangeSeconds("start", "end");
    return inclusiveEnd(range[0], range[1]);
  }

  /** {start, end} with the end inclusive of its whole second, range-checked. */
  private static long[] inclusiveEnd(long start, long end) {
    long[] window = {start, end == 0 ? 0 : QueryGuard.plus(end, 999_999_999L)};
    QueryGuard.checkRange("start/end", window[0], window[1]);
    return window;
  }

  static String trimLeadingZeros(String hex) {
    int i = 0;
    while (i < hex.length() - 1 && hex.charAt(i) == '0') {
      i++;
    }
    return hex.substring(i);
  }
}
