package dev.tokentrail.store.lucene;

import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanFilter.Condition;
import dev.tokentrail.store.SpanFilter.Op;
import org.apache.lucene.document.DoubleField;
import org.apache.lucene.document.LongField;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.FieldExistsQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TermRangeQuery;
import org.apache.lucene.util.BytesRef;

/**
 * Compiles {@link SpanFilter}s to Lucene queries over span documents. A condition on an attribute
 * matches through its own field or, for keys past the partition's {@link FieldBudget}, through the
 * catch-all path ({@link OverflowQuery}); regexes are compiled under {@link Regexes}' limits.
 */
final class SpanQueries {
  private final TraceLevel traceLevel;
  private final int determinizeWorkLimit;

  private SpanQueries(TraceLevel traceLevel, int determinizeWorkLimit) {
    this.traceLevel = traceLevel;
    this.determinizeWorkLimit = determinizeWorkLimit;
  }

  /** Resolves a condition on a trace-level intrinsic (root service, root name, trace duration). */
  interface TraceLevel {
    Query resolve(Condition condition);
  }

  static Query compile(SpanFilter filter, TraceLevel traceLevel) {
    return compile(filter, traceLevel, org.apache.lucene.util.automaton.Operations.DEFAULT_DETERMINIZE_WORK_LIMIT);
  }

  static Query compile(SpanFilter filter, TraceLevel traceLevel, int determinizeWorkLimit) {
    return new SpanQueries(traceLevel, determinizeWorkLimit).compile(filter);
  }

  private Query compile(SpanFilter filter) {
    return switch (filter) {
      case SpanFilter.All all -> new MatchAllDocsQuery();
      case SpanFilter.And and -> {
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        for (SpanFilter f : and.filters()) {
          b.add(compile(f), Occur.FILTER);
        }
        yield b.build();
      }
      case SpanFilter.Or or -> {
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        for (SpanFilter f : or.filters()) {
          b.add(compile(f), Occur.SHOULD);
        }
        yield b.build();
      }
      case Condition c -> condition(c);
    };
  }

  private Query condition(Condition c) {
    FieldRef field = c.field();
    return switch (field.scope()) {
      case SPAN -> attribute(false, field.name(), c);
      case RESOURCE -> attribute(true, field.name(), c);
      case ANY -> {
        Query span = attribute(false, field.name(), c);
        Query resource = attribute(true, field.name(), c);
        if (c.op() == Op.NOT_EXISTS) {
          yield new BooleanQuery.Builder().add(span, Occur.FILTER).add(resource, Occur.FILTER).build();
        }
        yield new BooleanQuery.Builder().add(span, Occur.SHOULD).add(resource, Occur.SHOULD).build();
      }
      case INTRINSIC -> switch (field.name()) {
        case FieldRef.SERVICE, FieldRef.ROOT_NAME, FieldRef.TRACE_DURATION -> traceLevel.resolve(c);
        default -> intrinsic(field.name(), c);
      };
    };
  }

  private Query intrinsic(String name, Condition c) {
    return switch (name) {
      case FieldRef.NAME -> keyword(SpanDocuments.NAME, c);
      case FieldRef.STATUS -> keyword(SpanDocuments.STATUS, c);
      case FieldRef.KIND -> keyword(SpanDocuments.KIND, c);
      case FieldRef.STATUS_MESSAGE -> keyword(SpanDocuments.STATUS_MESSAGE, c);
      case FieldRef.DURATION -> longRange(SpanDocuments.DURATION, c);
      default ->
          throw new IllegalArgumentException(
              "intrinsic: " + name + " (expected: name, status, kind, statusMessage, duration)");
    };
  }

  /** A condition on a trace rollup document's field, for trace-level intrinsics. */
  static Query rollupCondition(Condition c) {
    return rollupCondition(c, org.apache.lucene.util.automaton.Operations.DEFAULT_DETERMINIZE_WORK_LIMIT);
  }

  static Query rollupCondition(Condition c, int determinizeWorkLimit) {
    SpanQueries q = new SpanQueries(null, determinizeWorkLimit);
    return switch (c.field().name()) {
      case FieldRef.SERVICE -> q.keyword(TraceRollups.T_ROOT_SERVICE, c);
      case FieldRef.ROOT_NAME -> q.keyword(TraceRollups.T_ROOT_NAME, c);
      case FieldRef.TRACE_DURATION -> longRange(TraceRollups.T_DURATION, c);
      default -> throw new IllegalArgumentException("intrinsic: " + c.field().name() + " is not trace-level");
    };
  }

  private Query keyword(String field, Condition c) {
    if (c.value() != null && !(c.value() instanceof String)) {
      throw new IllegalArgumentException(
          field + ": " + c.value() + " (expected: a string value)");
    }
    return stringCondition(field, c);
  }

  private Query attribute(boolean resource, String key, Condition c) {
    String stringField = (resource ? SpanDocuments.RESOURCE_ATTR : SpanDocuments.SPAN_ATTR) + key;
    String numberField = (resource ? SpanDocuments.RESOURCE_NUM : SpanDocuments.SPAN_NUM) + key;
    Query overflowExists =
        new TermQuery(new Term(SpanDocuments.OVERFLOW_KEY,
            (resource ? SpanDocuments.RESOURCE_ATTR : SpanDocuments.SPAN_ATTR) + SpanDocuments.truncate(key)));
    Object value = c.value();
    return switch (c.op()) {
      case EXISTS -> either(exists(stringField, numberField), overflowExists);
      case NOT_EXISTS -> not(either(exists(stringField, numberField), overflowExists));
      default -> {
        Query indexed;
        if (value instanceof Number n) {
          indexed = numberCondition(numberField, n.doubleValue(), c.op());
        } else if (value instanceof Boolean b) {
          indexed = stringCondition(stringField, new Condition(c.field(), c.op(), b.toString()));
        } else {
          indexed = stringCondition(stringField, c);
        }
        if (c.op() == Op.REGEX || c.op() == Op.NOT_REGEX) {
          if (value instanceof Number) {
            yield indexed;
          }
        }
        Condition overflow = value instanceof Boolean b ? new Condition(c.field(), c.op(), b.toString()) : c;
        yield either(indexed, new OverflowQuery(resource, key, overflow, determinizeWorkLimit));
      }
    };
  }

  private static Query either(Query a, Query b) {
    return new BooleanQuery.Builder().add(a, Occur.SHOULD).add(b, Occur.SHOULD).build();
  }

  private static Query exists(String stringField, String numberField) {
    return new BooleanQuery.Builder()
        .add(new TermRangeQuery(stringField, null, null, true, true), Occur.SHOULD)
        .add(new FieldExistsQuery(numberField), Occur.SHOULD)
        .build();
  }

  private static Query not(Query query) {
    return new BooleanQuery.Builder()
        .add(new MatchAllDocsQuery(), Occur.FILTER)
        .add(query, Occur.MUST_NOT)
        .build();
  }

  private Query stringCondition(String field, Condition c) {
    String value = c.value() == null ? null : SpanDocuments.truncate(c.value().toString());
    return switch (c.op()) {
      case EQ -> new TermQuery(new Term(field, value));
      case NEQ -> existsButNot(field, new TermQuery(new Term(field, value)));
      case REGEX -> Regexes.query(field, value, determinizeWorkLimit);
      case NOT_REGEX -> existsButNot(field, Regexes.query(field, value, determinizeWorkLimit));
      case GT -> new TermRangeQuery(field, new BytesRef(value), null, false, true);
      case GTE -> new TermRangeQuery(field, new BytesRef(value), null, true, true);
      case LT -> new TermRangeQuery(field, null, new BytesRef(value), true, false);
      case LTE -> new TermRangeQuery(field, null, new BytesRef(value), true, true);
      case EXISTS -> new TermRangeQuery(field, null, null, true, true);
      case NOT_EXISTS -> not(new TermRangeQuery(field, null, null, true, true));
    };
  }

  /** TraceQL's {@code !=} and {@code !~} only match spans that have the attribute. */
  private static Query existsButNot(String field, Query excluded) {
    return new BooleanQuery.Builder()
        .add(new TermRangeQuery(field, null, null, true, true), Occur.FILTER)
        .add(excluded, Occur.MUST_NOT)
        .build();
  }

  private static Query numberCondition(String field, double v, Op op) {
    // TraceQL compares doubles with ==, where -0.0 equals 0.0; points order -0.0 below 0.0.
    double low = v == 0 ? -0.0 : v;
    double high = v == 0 ? 0.0 : v;
    return switch (op) {
      case EQ -> DoubleField.newRangeQuery(field, low, high);
      case NEQ ->
          new BooleanQuery.Builder()
              .add(new FieldExistsQuery(field), Occur.FILTER)
              .add(DoubleField.newRangeQuery(field, low, high), Occur.MUST_NOT)
              .build();
      case GT -> DoubleField.newRangeQuery(field, Math.nextUp(high), Double.POSITIVE_INFINITY);
      case GTE -> DoubleField.newRangeQuery(field, low, Double.POSITIVE_INFINITY);
      case LT -> DoubleField.newRangeQuery(field, Double.NEGATIVE_INFINITY, Math.nextDown(low));
      case LTE -> DoubleField.newRangeQuery(field, Double.NEGATIVE_INFINITY, high);
      case REGEX, NOT_REGEX -> new MatchNoDocsQuery("regex on a number");
      case EXISTS -> new FieldExistsQuery(field);
      case NOT_EXISTS -> not(new FieldExistsQuery(field));
    };
  }

  private static Query longRange(String field, Condition c) {
    if (c.op() == Op.EXISTS || c.op() == Op.NOT_EXISTS) {
      return c.op() == Op.EXISTS ? new MatchAllDocsQuery() : new MatchNoDocsQuery("always present");
    }
    if (!(c.value() instanceof Number n)) {
      throw new IllegalArgumentException(field + ": " + c.value() + " (expected: a duration)");
    }
    long v = n.longValue();
    return switch (c.op()) {
      case EQ -> LongField.newExactQuery(field, v);
      case NEQ ->
          new BooleanQuery.Builder()
              .add(new MatchAllDocsQuery(), Occur.FILTER)
              .add(LongField.newExactQuery(field, v), Occur.MUST_NOT)
              .build();
      case GT -> LongField.newRangeQuery(field, v + 1, Long.MAX_VALUE);
      case GTE -> LongField.newRangeQuery(field, v, Long.MAX_VALUE);
      case LT -> LongField.newRangeQuery(field, Long.MIN_VALUE, v - 1);
      case LTE -> LongField.newRangeQuery(field, Long.MIN_VALUE, v);
      case EXISTS -> new MatchAllDocsQuery();
      case NOT_EXISTS -> new MatchNoDocsQuery("every span has a duration");
      default -> throw new IllegalArgumentException(field + ": operator " + c.op() + " not supported");
    };
  }

  /** A range on a long field; 0 on either side is unbounded. */
  static Query timeRange(String field, long from, long to) {
    return LongField.newRangeQuery(field, from <= 0 ? Long.MIN_VALUE : from, to <= 0 ? Long.MAX_VALUE : to);
  }
}
