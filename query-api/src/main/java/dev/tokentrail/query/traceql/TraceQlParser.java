package dev.tokentrail.query.traceql;

import dev.tokentrail.query.traceql.Token.Kind;
import dev.tokentrail.store.AggregateCondition;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanFilter.Condition;
import dev.tokentrail.store.SpanFilter.Op;
import dev.tokentrail.store.Spansets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A recursive-descent parser for the TraceQL subset TokenTrail runs (grammar in
 * docs/search-in-grafana.md). Anything else is refused with a {@link TraceQlException} naming the
 * construct and its column, which the API answers as 400.
 *
 * <pre>
 * query      = spansets { "|" stage }
 * spansets   = spansetAnd { "||" spansetAnd }
 * spansetAnd = spansetAtom { "&&" spansetAtom }
 * spansetAtom= "{" [ expr ] "}" | "(" spansets ")"
 * expr       = andExpr { "||" andExpr }
 * andExpr    = unary { "&&" unary }
 * unary      = "(" expr ")" | field op value | field      (a bare field means "!= nil")
 * stage      = ("count" "(" ")" | agg "(" field ")") cmp number | "select" "(" field { "," field } ")"
 * </pre>
 */
public final class TraceQlParser {
  private final List<Token> tokens;
  private int index;

  private TraceQlParser(List<Token> tokens) {
    this.tokens = tokens;
  }

  /** The query's tokens, once it is within {@link QueryLimits#current()}. */
  private static List<Token> limitedTokens(String query) {
    QueryLimits limits = QueryLimits.current();
    limits.checkLength(query);
    List<Token> tokens = Lexer.tokenize(query);
    limits.checkTokens(tokens);
    return tokens;
  }

  public static TraceQl parse(String query) {
    if (query == null || query.isBlank()) {
      return new TraceQl(new Spansets.Filter(SpanFilter.all()), List.of(), List.of());
    }
    TraceQlParser parser = new TraceQlParser(limitedTokens(query));
    TraceQl result = parser.query();
    if (parser.peek().kind() != Kind.EOF) {
      throw parser.unexpected("end of query");
    }
    return result;
  }

  /**
   * Parses a TraceQL metrics query: spansets, optional filter stages ({@code count() > 2}), one
   * metrics function with an optional {@code by(...)}, and an optional {@code topk(n)} or {@code
   * bottomk(n)}. Anything else, including unsupported functions, is a {@link TraceQlException}
   * naming it.
   */
  public static MetricsPipeline parseMetrics(String query) {
    if (query == null || query.isBlank()) {
      throw new TraceQlException("a metrics query is required, e.g. { } | rate()", 0);
    }
    TraceQlParser parser = new TraceQlParser(limitedTokens(query));
    MetricsPipeline result = parser.metricsQuery();
    if (parser.peek().kind() != Kind.EOF) {
      throw parser.unexpected("end of query");
    }
    return result;
  }

  private MetricsPipeline metricsQuery() {
    Spansets spansets = spansets();
    List<AggregateCondition> aggregates = new ArrayList<>();
    while (true) {
      if (!accept(Kind.PIPE)) {
        throw unexpected("'|' and a metrics function: rate(), count_over_time(), sum_over_time(), avg_over_time(), "
            + "min_over_time(), max_over_time(), quantile_over_time() or histogram_over_time()");
      }
      Token name = expect(Kind.IDENT, "a pipeline stage or metrics function");
      switch (name.text()) {
        case "count", "sum", "avg", "min", "max" -> aggregates.add(aggregate(name));
        case "rate", "count_over_time", "sum_over_time", "avg_over_time", "min_over_time", "max_over_time",
            "quantile_over_time", "histogram_over_time" -> {
          MetricsPipeline.Function function = MetricsPipeline.Function.valueOf(name.text().toUpperCase(Locale.ROOT));
          return metricsFunction(spansets, aggregates, function);
        }
        case "compare", "topk", "bottomk", "select", "by", "coalesce" ->
            throw new TraceQlException("'" + name.text() + "' is not supported here (supported: a metrics function, "
                + "optionally followed by | topk(n) or | bottomk(n))", name.offset());
        default -> throw new TraceQlException("unsupported metrics function '" + name.text() + "' (supported: rate, "
            + "count_over_time, sum_over_time, avg_over_time, min_over_time, max_over_time, quantile_over_time, "
            + "histogram_over_time)", name.offset());
      }
    }
  }

  private MetricsPipeline metricsFunction(Spansets spansets, List<AggregateCondition> aggregates, MetricsPipeline.Function function) {
    expect(Kind.LPAREN, "'('");
    FieldRef field = null;
    List<Double> quantiles = new ArrayList<>();
    if (function.takesField()) {
      field = field(expect(Kind.IDENT, "an attribute or intrinsic to " + function.traceQlName()));
      if (function == MetricsPipeline.Function.QUANTILE_OVER_TIME) {
        expect(Kind.COMMA, "',' and a quantile such as 0.95");
        do {
          Token q = next();
          double v = quantile(q);
          quantiles.add(v);
        } while (accept(Kind.COMMA));
      }
    } else if (peek().kind() != Kind.RPAREN) {
      throw unexpected("')' (" + function.traceQlName() + "() takes no argument)");
    }
    expect(Kind.RPAREN, "')'");
    List<FieldRef> by = new ArrayList<>();
    if (peek().kind() == Kind.IDENT && peek().text().equals("by")) {
      next();
      expect(Kind.LPAREN, "'(' after by");
      do {
        by.add(field(expect(Kind.IDENT, "an attribute or intrinsic to group by")));
      } while (accept(Kind.COMMA));
      expect(Kind.RPAREN, "')'");
    }
    if (peek().kind() == Kind.IDENT && peek().text().equals("with")) {
      throw new TraceQlException("query hints 'with(...)' are not supported", peek().offset());
    }
    MetricsPipeline.Rank rank = null;
    if (accept(Kind.PIPE)) {
      Token name = expect(Kind.IDENT, "topk or bottomk");
      if (!name.text().equals("topk") && !name.text().equals("bottomk")) {
        throw new TraceQlException("unsupported second stage '" + name.text() + "' (supported: topk(n), bottomk(n))", name.offset());
      }
      expect(Kind.LPAREN, "'('");
      Token k = expect(Kind.NUMBER, "the number of series");
      int n;
      try {
        n = Integer.parseInt(k.text());
      } catch (NumberFormatException e) {
        throw new TraceQlException(name.text() + " takes a positive whole number, found '" + k.text() + "'", k.offset());
      }
      if (n <= 0) {
        throw new TraceQlException(name.text() + " takes a positive whole number, found '" + k.text() + "'", k.offset());
      }
      expect(Kind.RPAREN, "')'");
      rank = new MetricsPipeline.Rank(name.text().equals("topk"), n);
    }
    return new MetricsPipeline(spansets, aggregates, function, field, quantiles, by, rank);
  }

  private static double quantile(Token q) {
    String text = q.text();
    double v;
    try {
      if (q.kind() == Kind.NUMBER) {
        v = Double.parseDouble(text);
      } else if (q.kind() == Kind.IDENT && text.startsWith(".")) {
        v = Double.parseDouble("0" + text);
      } else {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new TraceQlException("expected a quantile between 0 and 1, found '" + describe(q) + "'", q.offset());
    }
    if (!(v >= 0 && v <= 1)) {
      throw new TraceQlException("quantile " + text + " is outside 0..1", q.offset());
    }
    return v;
  }

  private TraceQl query() {
    Spansets spansets = spansets();
    List<AggregateCondition> aggregates = new ArrayList<>();
    List<FieldRef> select = new ArrayList<>();
    while (accept(Kind.PIPE)) {
      Token name = expect(Kind.IDENT, "a pipeline stage: count(), sum(), avg(), min(), max() or select()");
      switch (name.text()) {
        case "select" -> {
          expect(Kind.LPAREN, "'('");
          do {
            select.add(field(expect(Kind.IDENT, "an attribute")));
          } while (accept(Kind.COMMA));
          expect(Kind.RPAREN, "')'");
        }
        case "count", "sum", "avg", "min", "max" -> aggregates.add(aggregate(name));
        case "rate", "count_over_time", "quantile_over_time", "histogram_over_time",
            "min_over_time", "max_over_time", "avg_over_time", "sum_over_time" ->
            throw new TraceQlException("'" + name.text() + "()' is a metrics function: query it through /api/metrics/query_range or /api/metrics/query", name.offset());
        case "by", "coalesce", "compare" ->
            throw new TraceQlException("pipeline stage '" + name.text() + "()' is not supported", name.offset());
        default -> throw new TraceQlException("unknown pipeline stage '" + name.text() + "'", name.offset());
      }
    }
    return new TraceQl(spansets, List.copyOf(aggregates), List.copyOf(select));
  }

  private AggregateCondition aggregate(Token name) {
    AggregateCondition.Function function = AggregateCondition.Function.valueOf(name.text().toUpperCase(Locale.ROOT));
    expect(Kind.LPAREN, "'('");
    FieldRef field = null;
    if (function == AggregateCondition.Function.COUNT) {
      expect(Kind.RPAREN, "')' (count() takes no argument)");
    } else {
      field = field(expect(Kind.IDENT, "an attribute or intrinsic to " + name.text()));
      expect(Kind.RPAREN, "')'");
    }
    Token opToken = next();
    Op op = comparison(opToken);
    if (op == null || op == Op.REGEX || op == Op.NOT_REGEX) {
      throw new TraceQlException(
          "expected a comparison (=, !=, >, >=, <, <=) after " + name.text() + "(), found '" + opToken.text() + "'",
          opToken.offset());
    }
    Token valueToken = next();
    double value;
    if (valueToken.kind() == Kind.NUMBER) {
      value = Double.parseDouble(valueToken.text());
    } else if (valueToken.kind() == Kind.DURATION) {
      value = DurationLiteral.nanos(valueToken.text(), valueToken.offset());
    } else {
      throw new TraceQlException("expected a number after the comparison, found '" + valueToken.text() + "'", valueToken.offset());
    }
    return new AggregateCondition(function, field, op, value);
  }

  private Spansets spansets() {
    Spansets left = spansetAnd();
    while (peek().kind() == Kind.OR) {
      next();
      left = new Spansets.Combine(false, left, spansetAnd());
    }
    return left;
  }

  private Spansets spansetAnd() {
    Spansets left = spansetAtom();
    while (true) {
      Token t = peek();
      if (t.kind() == Kind.AND) {
        next();
        left = new Spansets.Combine(true, left, spansetAtom());
      } else if (isStructural(t.kind())) {
        throw new TraceQlException("structural operator '" + t.text() + "' is not supported (supported between spansets: && and ||)", t.offset());
      } else {
        return left;
      }
    }
  }

  private Spansets spansetAtom() {
    Token t = next();
    if (t.kind() == Kind.LBRACE) {
      if (accept(Kind.RBRACE)) {
        return new Spansets.Filter(SpanFilter.all());
      }
      SpanFilter filter = expr();
      expect(Kind.RBRACE, "'}' or && / ||");
      return new Spansets.Filter(filter);
    }
    if (t.kind() == Kind.LPAREN) {
      Spansets inner = spansets();
      expect(Kind.RPAREN, "')'");
      return inner;
    }
    throw new TraceQlException("expected a spanset '{ ... }', found '" + describe(t) + "'", t.offset());
  }

  private SpanFilter expr() {
    List<SpanFilter> ors = new ArrayList<>();
    ors.add(andExpr());
    while (accept(Kind.OR)) {
      ors.add(andExpr());
    }
    return ors.size() == 1 ? ors.get(0) : new SpanFilter.Or(ors);
  }

  private SpanFilter andExpr() {
    List<SpanFilter> ands = new ArrayList<>();
    ands.add(unary());
    while (accept(Kind.AND)) {
      ands.add(unary());
    }
    return ands.size() == 1 ? ands.get(0) : new SpanFilter.And(ands);
  }

  private SpanFilter unary() {
    Token t = next();
    if (t.kind() == Kind.LPAREN) {
      SpanFilter inner = expr();
      expect(Kind.RPAREN, "')'");
      return inner;
    }
    if (t.kind() == Kind.NOT) {
      throw new TraceQlException("negation '!' of an expression is not supported (use != or !~)", t.offset());
    }
    if (t.kind() != Kind.IDENT) {
      throw new TraceQlException("expected an attribute or intrinsic, found '" + describe(t) + "'", t.offset());
    }
    FieldRef field = field(t);
    Token opToken = peek();
    Op op = comparison(opToken);
    if (op == null) {
      // A bare attribute: true when present (Tempo treats a bare boolean attribute as "= true").
      return new Condition(field, Op.EXISTS, null);
    }
    next();
    Token valueToken = next();
    return condition(field, op, valueToken);
  }

  private SpanFilter condition(FieldRef field, Op op, Token v) {
    if (v.kind() == Kind.IDENT && v.text().equals("nil")) {
      return switch (op) {
        case EQ -> new Condition(field, Op.NOT_EXISTS, null);
        case NEQ -> new Condition(field, Op.EXISTS, null);
        default -> throw new TraceQlException("nil only compares with = or !=", v.offset());
      };
    }
    Object value = switch (v.kind()) {
      case STRING -> v.text();
      case NUMBER -> number(v);
      case DURATION -> DurationLiteral.nanos(v.text(), v.offset());
      case IDENT -> switch (v.text()) {
        case "true" -> Boolean.TRUE;
        case "false" -> Boolean.FALSE;
        case "error", "ok", "unset", "server", "client", "producer", "consumer", "internal", "unspecified" -> v.text();
        default -> throw new TraceQlException("unexpected '" + v.text() + "' (expected: a string in quotes, a number, a duration, true, false or nil)", v.offset());
      };
      default -> throw new TraceQlException("expected a value, found '" + describe(v) + "'", v.offset());
    };
    if ((op == Op.REGEX || op == Op.NOT_REGEX) && !(value instanceof String)) {
      throw new TraceQlException("=~ and !~ take a string pattern", v.offset());
    }
    if (field.scope() == FieldRef.Scope.INTRINSIC) {
      validateIntrinsic(field, value, v);
    }
    return new Condition(field, op, value);
  }

  private static void validateIntrinsic(FieldRef field, Object value, Token v) {
    switch (field.name()) {
      case FieldRef.DURATION, FieldRef.TRACE_DURATION -> {
        if (v.kind() != Kind.DURATION) {
          throw new TraceQlException(field.name() + " compares with a duration such as 1.5s or 300ms", v.offset());
        }
      }
      case FieldRef.STATUS -> {
        if (!(value instanceof String s) || !(s.equals("error") || s.equals("ok") || s.equals("unset"))) {
          throw new TraceQlException("status compares with error, ok or unset", v.offset());
        }
      }
      case FieldRef.KIND -> {
        if (!(value instanceof String s)
            || !List.of("server", "client", "producer", "consumer", "internal", "unspecified").contains(s)) {
          throw new TraceQlException("kind compares with server, client, producer, consumer, internal or unspecified", v.offset());
        }
      }
      default -> {
        if (!(value instanceof String)) {
          throw new TraceQlException(field.name() + " compares with a string", v.offset());
        }
      }
    }
  }

  private static Object number(Token v) {
    String text = v.text();
    if (text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0) {
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        // Too long for a long: compare as a double.
      }
    }
    return Double.parseDouble(text);
  }

  /** Attribute and intrinsic references: span.x, resource.x, .x, name, span:name, trace:rootService, ... */
  static FieldRef field(Token t) {
    String text = t.text();
    if (text.startsWith("span.")) {
      return FieldRef.span(nonEmpty(text.substring(5), t));
    }
    if (text.startsWith("resource.")) {
      return FieldRef.resource(nonEmpty(text.substring(9), t));
    }
    if (text.startsWith(".")) {
      return FieldRef.any(nonEmpty(text.substring(1), t));
    }
    for (String unsupported : new String[] {"event.", "event:", "link.", "link:", "instrumentation.", "instrumentation:", "parent."}) {
      if (text.startsWith(unsupported)) {
        throw new TraceQlException("scope '" + unsupported.substring(0, unsupported.length() - 1) + "' is not supported (supported: span., resource., unscoped .attribute and intrinsics)", t.offset());
      }
    }
    String intrinsic = switch (text) {
      case "name", "span:name" -> FieldRef.NAME;
      case "status", "span:status" -> FieldRef.STATUS;
      case "statusMessage", "span:statusMessage" -> FieldRef.STATUS_MESSAGE;
      case "kind", "span:kind" -> FieldRef.KIND;
      case "duration", "span:duration" -> FieldRef.DURATION;
      case "rootServiceName", "trace:rootService" -> FieldRef.SERVICE;
      case "rootName", "trace:rootName" -> FieldRef.ROOT_NAME;
      case "traceDuration", "trace:duration" -> FieldRef.TRACE_DURATION;
      default -> null;
    };
    if (intrinsic == null) {
      throw new TraceQlException("unknown intrinsic or unscoped name '" + text + "' (attributes need a scope: span., resource. or a leading dot)", t.offset());
    }
    return FieldRef.intrinsic(intrinsic);
  }

  private static String nonEmpty(String name, Token t) {
    if (name.isEmpty()) {
      throw new TraceQlException("attribute name missing after '" + t.text() + "'", t.offset());
    }
    return name;
  }

  private static Op comparison(Token t) {
    return switch (t.kind()) {
      case EQ -> Op.EQ;
      case NEQ -> Op.NEQ;
      case GT -> Op.GT;
      case GTE -> Op.GTE;
      case LT -> Op.LT;
      case LTE -> Op.LTE;
      case REGEX -> Op.REGEX;
      case NOT_REGEX -> Op.NOT_REGEX;
      default -> null;
    };
  }

  private static boolean isStructural(Kind kind) {
    return switch (kind) {
      case DESCENDANT, CHILD, SIBLING, NOT_DESCENDANT, NOT_CHILD, ANCESTOR, PARENT, GT, LT, NOT_REGEX -> true;
      default -> false;
    };
  }

  private Token peek() {
    return tokens.get(index);
  }

  private Token next() {
    Token t = tokens.get(index);
    if (t.kind() != Kind.EOF) {
      index++;
    }
    return t;
  }

  private boolean accept(Kind kind) {
    if (peek().kind() == kind) {
      index++;
      return true;
    }
    return false;
  }

  private Token expect(Kind kind, String what) {
    Token t = next();
    if (t.kind() != kind) {
      throw new TraceQlException("expected " + what + ", found '" + describe(t) + "'", t.offset());
    }
    return t;
  }

  private TraceQlException unexpected(String what) {
    Token t = peek();
    return new TraceQlException("expected " + what + ", found '" + describe(t) + "'", t.offset());
  }

  private static String describe(Token t) {
    return t.kind() == Kind.EOF ? "end of query" : t.text();
  }
}
