package dev.tokentrail.store.opensearch;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanFilter.Condition;
import dev.tokentrail.store.SpanFilter.Op;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenSearch queries for span filters. A {@link SpanFilter} becomes a query selecting a superset
 * of the spans it matches, so OpenSearch narrows the candidates and {@link dev.tokentrail.store.eval.SpanMatcher} decides
 * exactly in Java. Pushed down: the tenant and time window, boolean structure, {@code name},
 * {@code status}, {@code kind}, {@code statusMessage} equality, {@code duration} comparisons,
 * attribute existence, and string or boolean attribute equality (as {@code key=value} terms, as are
 * regular expressions without special characters, {@link #literalRegex}); every other condition on
 * an attribute narrows to spans having the attribute. Left to Java alone: other regular
 * expressions (Java's syntax, whole-value), {@code !=}, numeric attribute comparisons
 * (typed, over list elements), {@code = nil}, and the trace-level intrinsics.
 */
final class SpanQueries {
  private SpanQueries() {}

  /** The tenant's spans starting in [from, to] (0 = unbounded), narrowed by {@code filter}. */
  static ObjectNode spans(String tenant, long from, long to, SpanFilter filter) {
    ObjectNode query = json();
    ArrayNode must = query.putObject("bool").putArray("filter");
    must.add(term(SpanDocuments.TENANT, tenant));
    ObjectNode range = startRange(from, to);
    if (range != null) {
      must.add(range);
    }
    ObjectNode narrowed = filter == null ? null : superset(filter);
    if (narrowed != null) {
      must.add(narrowed);
    }
    return query;
  }

  /** A range on start; {@code to} exclusive when {@code toExclusive}. Null when unbounded. */
  static ObjectNode startRange(long from, long to) {
    if (from <= 0 && to <= 0) {
      return null;
    }
    ObjectNode range = json();
    ObjectNode start = range.putObject("range").putObject(SpanDocuments.START);
    if (from > 0) {
      start.put("gte", from);
    }
    if (to > 0) {
      start.put("lte", to);
    }
    return range;
  }

  static ObjectNode term(String field, Object value) {
    ObjectNode term = json();
    term.putObject("term").set(field, OpenSearchClient.JSON.valueToTree(value));
    return term;
  }

  static ObjectNode terms(String field, List<String> values) {
    ObjectNode terms = json();
    ArrayNode array = terms.putObject("terms").putArray(field);
    values.forEach(array::add);
    return terms;
  }

  /** A query matching at least the spans {@code filter} matches; null for "every span". */
  static ObjectNode superset(SpanFilter filter) {
    return switch (filter) {
      case SpanFilter.All all -> null;
      case SpanFilter.And and -> {
        List<ObjectNode> parts = new ArrayList<>();
        for (SpanFilter f : and.filters()) {
          ObjectNode q = superset(f);
          if (q != null) {
            parts.add(q);
          }
        }
        yield parts.isEmpty() ? null : bool("filter", parts);
      }
      case SpanFilter.Or or -> {
        List<ObjectNode> parts = new ArrayList<>();
        for (SpanFilter f : or.filters()) {
          ObjectNode q = superset(f);
          if (q == null) {
            yield null;
          }
          parts.add(q);
        }
        yield parts.isEmpty() ? null : bool("should", parts);
      }
      case Condition c -> condition(c);
    };
  }

  private static ObjectNode condition(Condition c) {
    FieldRef field = c.field();
    return switch (field.scope()) {
      case SPAN -> attribute(c, SpanDocuments.SPAN_KEYS, SpanDocuments.SPAN_TERMS);
      case RESOURCE -> attribute(c, SpanDocuments.RESOURCE_KEYS, SpanDocuments.RESOURCE_TERMS);
      case ANY -> {
        ObjectNode own = attribute(c, SpanDocuments.SPAN_KEYS, SpanDocuments.SPAN_TERMS);
        ObjectNode resource = attribute(c, SpanDocuments.RESOURCE_KEYS, SpanDocuments.RESOURCE_TERMS);
        yield own == null || resource == null ? null : bool("should", List.of(own, resource));
      }
      case INTRINSIC -> switch (field.name()) {
        case FieldRef.NAME -> text(c, SpanDocuments.NAME);
        case FieldRef.STATUS -> text(c, SpanDocuments.STATUS);
        case FieldRef.KIND -> text(c, SpanDocuments.KIND);
        case FieldRef.STATUS_MESSAGE -> text(c, SpanDocuments.STATUS_MESSAGE);
        case FieldRef.DURATION -> duration(c);
        default -> null; // trace-level: decided on the rollup, in Java
      };
    };
  }

  /**
   * Whether {@link #superset} selects exactly the spans {@code filter} matches, trace-level
   * intrinsics aside (they hold for every span of a trace or none, and are decided on the rollup):
   * so Java need not look at the spans. Exact: the boolean structure over {@code name}, {@code
   * status}, {@code kind}, {@code statusMessage} equality, {@code duration} comparisons, attribute
   * existence and string attribute equality (other than "true"/"false", which also match booleans),
   * also written as a regular expression without special characters.
   */
  static boolean exact(SpanFilter filter) {
    return exact(filter, false);
  }

  /**
   * Whether {@link #superset} is exact, as {@link #exact}, on spans whose numeric attribute fields
   * are written (documents carrying {@link SpanDocuments#NUMBERS_INDEXED}): there, comparisons of a
   * {@link SpanDocuments#NUMERIC_FIELDS} attribute with a finite number are decided by the range,
   * which compares every long and double scalar as a double, as TraceQL does. A search may take
   * such a filter as exact once {@link #numbersNotIndexed} found none of its spans lacking the mark.
   */
  static boolean exactWhereNumbersIndexed(SpanFilter filter) {
    return exact(filter, true);
  }

  /** The spans whose numeric attribute fields are not written (older documents, non-finite values). */
  static ObjectNode numbersNotIndexed() {
    ObjectNode q = json();
    q.putObject("bool").putArray("must_not").add(term(SpanDocuments.NUMBERS_INDEXED, true));
    return q;
  }

  private static boolean exact(SpanFilter filter, boolean numbersIndexed) {
    if (filter instanceof SpanFilter.And and) {
      return and.filters().stream().allMatch(f -> isTraceLevel(f) || exactSpanLevel(f, numbersIndexed));
    }
    return isTraceLevel(filter) || exactSpanLevel(filter, numbersIndexed);
  }

  private static boolean exactSpanLevel(SpanFilter filter, boolean numbersIndexed) {
    return switch (filter) {
      case SpanFilter.All all -> true;
      case SpanFilter.And and -> and.filters().stream().allMatch(f -> exactSpanLevel(f, numbersIndexed));
      case SpanFilter.Or or -> or.filters().stream().allMatch(f -> exactSpanLevel(f, numbersIndexed));
      case Condition c -> exactCondition(c, numbersIndexed);
    };
  }

  /** The trace-level conditions {@code filter} requires of every trace it selects (its top-level conjuncts). */
  static List<Condition> traceLevelConjuncts(SpanFilter filter) {
    List<Condition> out = new ArrayList<>();
    List<SpanFilter> parts = filter instanceof SpanFilter.And and ? and.filters() : List.of(filter);
    for (SpanFilter f : parts) {
      if (isTraceLevel(f)) {
        out.add((Condition) f);
      }
    }
    return out;
  }

  private static boolean exactCondition(Condition c, boolean numbersIndexed) {
    FieldRef field = c.field();
    if (field.scope() == FieldRef.Scope.INTRINSIC) {
      return switch (field.name()) {
        case FieldRef.NAME, FieldRef.STATUS, FieldRef.KIND, FieldRef.STATUS_MESSAGE -> text(c, field.name()) != null;
        case FieldRef.DURATION -> duration(c) != null;
        default -> false;
      };
    }
    if (c.op() == Op.EXISTS) {
      return true;
    }
    Object equal = c.op() == Op.EQ ? c.value() : literalRegex(c);
    if (equal instanceof String s && !s.equals("true") && !s.equals("false")) {
      // With an '=' in the key or the value the term may also be another key's ("a" = "b=c", "a=b" = "c").
      return termsReadAs(field.name()) && s.indexOf('=') < 0
          && SpanDocuments.term(field.name(), s).length() <= SpanDocuments.MAX_TERM_CHARS;
    }
    return numbersIndexed && field.scope() == FieldRef.Scope.SPAN && SpanDocuments.NUMERIC_FIELDS.containsKey(field.name())
        && c.value() instanceof Number n && Double.isFinite(n.doubleValue())
        && numericRange(SpanDocuments.NUMERIC_FIELDS.get(field.name()), c.op(), n.doubleValue()) != null;
  }

  /**
   * The value a regular expression condition ({@code =~}) matches when it holds no character Java's
   * regular expressions treat specially: then it matches that string value alone, as {@code =}
   * does (a regex is tried on string values only, as {@code =} with a string). Null otherwise.
   */
  static String literalRegex(Condition c) {
    if (c.op() != Op.REGEX || !(c.value() instanceof String pattern)) {
      return null;
    }
    for (int i = 0; i < pattern.length(); i++) {
      if ("\\.[]{}()*+?^$|".indexOf(pattern.charAt(i)) >= 0) {
        return null;
      }
    }
    return pattern;
  }

  /**
   * The spans on which {@link #superset} may decide {@code filter} otherwise than the filter does,
   * for a read that OpenSearch answers alone once it found none of them among the spans it
   * selects: an empty list when there are never such spans (the filter is {@link #exact}), null
   * when the filter is not decided by OpenSearch even so (or has trace-level conditions). Beyond
   * {@link #exact}: comparisons of the indexed numbers (unsure: spans holding the key without the
   * numbers mark), and {@code =~ ".*"} on a span or resource attribute, which holds for spans with
   * a string value (unsure: {@link #withoutStringTerm}; this one needs mapping version 8's {@code
   * *_bool_keys}, see {@link #needsVersion8}).
   */
  static List<ObjectNode> unsure(SpanFilter filter) {
    List<ObjectNode> out = new ArrayList<>();
    return unsure(filter, out) ? out : null;
  }

  private static boolean unsure(SpanFilter filter, List<ObjectNode> out) {
    return switch (filter) {
      case SpanFilter.All all -> true;
      case SpanFilter.And and -> and.filters().stream().allMatch(f -> unsure(f, out));
      case SpanFilter.Or or -> or.filters().stream().allMatch(f -> unsure(f, out));
      case Condition c -> {
        if (isTraceLevel(c)) {
          yield false;
        }
        if (exactCondition(c, false)) {
          yield true;
        }
        FieldRef field = c.field();
        boolean spanOrResource = field.scope() == FieldRef.Scope.SPAN || field.scope() == FieldRef.Scope.RESOURCE;
        if (exactCondition(c, true)) { // a comparison of a span attribute's indexed numbers
          out.add(numbersUnindexed(SpanDocuments.SPAN_KEYS, field.name()));
          yield true;
        }
        if (spanOrResource && matchesAnyString(c) && termsReadAs(field.name())) {
          out.add(withoutStringTerm(field.name(), SpanDocuments.AttributeFields.of(field), true));
          yield true;
        }
        yield false;
      }
    };
  }

  /**
   * Spans holding {@code key} whose {@code key=} terms may not be its string values alone: with a
   * boolean (whose term reads the same), without any {@code key=} term (numbers, strings over the
   * term limit), or beside a key beginning {@code key=} ({@link #confusableKeys}); with {@code
   * lineTerminators}, also with a string holding a line terminator (which {@code .} in Java's
   * regular expressions does not match, so {@code =~ ".*"} does not hold for it).
   */
  static ObjectNode withoutStringTerm(String key, SpanDocuments.AttributeFields fields, boolean lineTerminators) {
    ObjectNode q = json();
    ObjectNode bool = q.putObject("bool");
    bool.putArray("filter").add(term(fields.keys(), key));
    ArrayNode should = bool.putArray("should").add(term(fields.boolKeys(), key)).add(withoutTerm(key, fields))
        .add(confusableKeys(key, fields));
    if (lineTerminators) {
      should.addObject().putObject("regexp").putObject(fields.terms())
          .put("value", literalPattern(key + "=") + ".*[\n\r\u0085\u2028\u2029].*");
    }
    bool.put("minimum_should_match", 1);
    return q;
  }

  /**
   * Whether the {@code key=value} terms of {@code key} are its own: not when the key holds an
   * {@code =}, as a term of it may be another key's ({@code a=b} holding {@code c} and {@code a}
   * holding {@code b=c} both give {@code a=b=c}).
   */
  static boolean termsReadAs(String key) {
    return key.indexOf('=') < 0;
  }

  /** Whether {@link #unsure} of {@code filter} names fields only span indices of mapping version 8 on have. */
  static boolean needsVersion8(SpanFilter filter) {
    return switch (filter) {
      case SpanFilter.All all -> false;
      case SpanFilter.And and -> and.filters().stream().anyMatch(SpanQueries::needsVersion8);
      case SpanFilter.Or or -> or.filters().stream().anyMatch(SpanQueries::needsVersion8);
      case Condition c -> matchesAnyString(c) && !exactCondition(c, false);
    };
  }

  /** Spans without any {@code key=} term in the scope of {@code fields}. */
  static ObjectNode withoutTerm(String key, SpanDocuments.AttributeFields fields) {
    ObjectNode q = json();
    q.putObject("bool").putArray("must_not").addObject().putObject("prefix").put(fields.terms(), key + "=");
    return q;
  }

  /** Spans holding {@code key} (in {@code keysField}) whose numeric attribute fields are not written. */
  static ObjectNode numbersUnindexed(String keysField, String key) {
    ObjectNode q = json();
    ObjectNode bool = q.putObject("bool");
    bool.putArray("filter").add(term(keysField, key));
    bool.putArray("must_not").add(term(SpanDocuments.NUMBERS_INDEXED, true));
    return q;
  }

  /** {@code =~ ".*"}: holds for a span with a string value (without a line terminator, as Java's {@code .} reads). */
  private static boolean matchesAnyString(Condition c) {
    return c.op() == Op.REGEX && ".*".equals(c.value());
  }

  /** An {@code include} pattern of a terms aggregation taking the {@code key=value} terms of {@code key}. */
  static String termsOf(String key) {
    return literalPattern(key + "=") + ".*";
  }

  /**
   * {@code text} as a Lucene regular expression matching only itself: every ASCII character other
   * than a letter or digit escaped (a backslash before a letter may name a character class).
   */
  static String literalPattern(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 128 && !Character.isLetterOrDigit(c)) {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }

  /** Spans holding another key beginning {@code key=}, whose terms also begin {@code key=}. */
  static ObjectNode confusableKeys(String key, SpanDocuments.AttributeFields fields) {
    ObjectNode q = json();
    q.putObject("prefix").put(fields.keys(), key + "=");
    return q;
  }

  /** A condition on the trace's rollup ({@code rootServiceName}, {@code rootName}, {@code traceDuration}). */
  static boolean isTraceLevel(SpanFilter filter) {
    return filter instanceof Condition c && c.field().scope() == FieldRef.Scope.INTRINSIC
        && List.of(FieldRef.SERVICE, FieldRef.ROOT_NAME, FieldRef.TRACE_DURATION).contains(c.field().name());
  }

  private static ObjectNode attribute(Condition c, String keysField, String termsField) {
    String key = c.field().name();
    if (c.op() == Op.NOT_EXISTS) {
      return null;
    }
    Object equal = c.op() == Op.EQ ? c.value() : literalRegex(c);
    if (equal instanceof String || equal instanceof Boolean) {
      String term = SpanDocuments.term(key, equal);
      if (term.length() <= SpanDocuments.MAX_TERM_CHARS) {
        return term(termsField, term);
      }
    }
    String numbers = keysField.equals(SpanDocuments.SPAN_KEYS) ? SpanDocuments.NUMERIC_FIELDS.get(key) : null;
    if (numbers != null && c.value() instanceof Number n && Double.isFinite(n.doubleValue())) {
      ObjectNode range = numericRange(numbers, c.op(), n.doubleValue());
      if (range != null) {
        // The indexed numbers decide it on documents that carry them; older documents (or one with
        // an infinite value) that have the key are left to Java.
        return bool("should", List.of(range, numbersUnindexed(keysField, key)));
      }
    }
    // Every other condition on an attribute needs the attribute.
    return term(keysField, key);
  }

  /** A range on a numeric attribute field for a comparison TraceQL makes on doubles; null for other operators. */
  private static ObjectNode numericRange(String field, Op op, double value) {
    ObjectNode range = json();
    ObjectNode bounds = range.putObject("range").putObject(field);
    // TraceQL compares doubles with ==, where -0.0 equals 0.0; OpenSearch orders -0.0 below 0.0.
    double low = value == 0 ? -0.0 : value;
    double high = value == 0 ? 0.0 : value;
    switch (op) {
      case EQ -> bounds.put("gte", low).put("lte", high);
      case GT -> bounds.put("gt", high);
      case GTE -> bounds.put("gte", low);
      case LT -> bounds.put("lt", low);
      case LTE -> bounds.put("lte", high);
      default -> {
        return null;
      }
    }
    return range;
  }

  private static ObjectNode text(Condition c, String field) {
    if (c.op() == Op.EQ && c.value() instanceof String s && s.length() <= SpanDocuments.MAX_TERM_CHARS) {
      return term(field, s);
    }
    return null;
  }

  private static ObjectNode duration(Condition c) {
    if (!(c.value() instanceof Number n)) {
      return null;
    }
    long v = n.longValue();
    String op = switch (c.op()) {
      case EQ -> "eq";
      case GT -> "gt";
      case GTE -> "gte";
      case LT -> "lt";
      case LTE -> "lte";
      default -> null;
    };
    if (op == null) {
      return null;
    }
    if (op.equals("eq")) {
      return term(SpanDocuments.DURATION, v);
    }
    ObjectNode range = json();
    range.putObject("range").putObject(SpanDocuments.DURATION).put(op, v);
    return range;
  }

  private static ObjectNode bool(String occur, List<ObjectNode> parts) {
    ObjectNode q = json();
    ObjectNode bool = q.putObject("bool");
    ArrayNode array = bool.putArray(occur);
    parts.forEach(array::add);
    if (occur.equals("should")) {
      bool.put("minimum_should_match", 1);
    }
    return q;
  }

  static ObjectNode json() {
    return OpenSearchClient.JSON.createObjectNode();
  }
}
