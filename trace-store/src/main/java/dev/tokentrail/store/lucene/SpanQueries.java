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
import org.apache.lucene.search.RegexpQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TermRangeQuery;
import org.apache.lucene.util.BytesRef;

/** Compiles {@link SpanFilter}s to Lucene queries over span documents. */
final class SpanQueries {
  private SpanQueries() {}

  /** Resolves a condition on a trace-level intrinsic (root service, root name, trace duration). */
  interface TraceLevel {
    Query resolve(Condition condition);
  }

  static Query compile(SpanFilter filter, TraceLevel traceLevel) {
    return switch (filter) {
      case SpanFilter.All all -> new MatchAllDocsQuery();
      case SpanFilter.And and -> {
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        for (SpanFilter f : and.filters()) {
          b.add(compile(f, traceLevel), Occur.FILTER);
        }
        yield b.build();
      }
      case SpanFilter.Or or -> {
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        for (SpanFilter f : or.filters()) {
          b.add(compile(f, traceLevel), Occur.SHOULD);
        }
        yield b.build();
      }
      case Condition c -> condition(c, traceLevel);
    };
  }

  private static Query condition(Condition c, TraceLevel traceLevel) {
    FieldRef field = c.field();
    return switch (field.scope()) {
      case SPAN -> attribute(SpanDocuments.SPAN_ATTR, SpanDocuments.SPAN_NUM, field.name(), c);
      case RESOURCE ->
          attribute(SpanDocuments.RESOURCE_ATTR, SpanDocuments.RESOURCE_NUM, field.name(), c);
      case ANY -> {
        Query span = attribute(SpanDocuments.SPAN_ATTR, SpanDocuments.SPAN_NUM, field.name(), c);
        Query resource =
            attribute(SpanDocuments.RESOURCE_ATTR, SpanDocuments.RESOURCE_NUM, field.name(), c);
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

  private static Query intrinsic(String name, Condition c) {
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
    return switch (c.field().name()) {
      case FieldRef.SERVICE -> keyword(TraceRollups.T_ROOT_SERVICE, c);
      case FieldRef.ROOT_NAME -> keyword(TraceRollups.T_ROOT_NAME, c);
      case FieldRef.TRACE_DURATION -> longRange(TraceRollups.T_DURATION, c);
      default -> throw new IllegalArgumentException("intrinsic: " + c.field().name() + " is not trace-level");
    };
  }

  private static Query keyword(String field, Condition c) {
    if (c.value() != null && !(c.value() instanceof String)) {
      throw new IllegalArgumentException(
          field + ": " + c.value() + " (expected: a string value)");
    }
    return stringCondition(field, c);
  }

  private static Query attribute(String stringPrefix, String numberPrefix, String key, Condition c) {
    String stringField = stringPrefix + key;
    String numberField = numberPrefix + key;
    Object value = c.value();
    return switch (c.op()) {
      case EXISTS -> exists(stringField, numberField);
      case NOT_EXISTS -> not(exists(stringField, numberField));
      default -> {
        if (value instanceof Number n) {
          yield numberCondition(numberField, n.doubleValue(), c.op());
        }
        if (value instanceof Boolean b) {
          Condition asString = new Condition(c.field(), c.op(), b.toString());
          yield stringCondition(stringField, asString);
        }
        yield stringCondition(stringField, c);
      }
    };
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

  private static Query stringCondition(String field, Condition c) {
    String value = c.value() == null ? null : SpanDocuments.truncate(c.value().toString());
    return switch (c.op()) {
      case EQ -> new TermQuery(new Term(field, value));
      case NEQ -> existsButNot(field, new TermQuery(new Term(field, value)));
      case REGEX -> new RegexpQuery(new Term(field, value));
      case NOT_REGEX -> existsButNot(field, new RegexpQuery(new Term(field, value)));
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
    return switch (op) {
      case EQ -> DoubleField.newExactQuery(field, v);
      case NEQ ->
          new BooleanQuery.Builder()
              .add(new FieldExistsQuery(field), Occur.FILTER)
              .add(DoubleField.newExactQuery(field, v), Occur.MUST_NOT)
              .build();
      case GT -> DoubleField.newRangeQuery(field, Math.nextUp(v), Double.POSITIVE_INFINITY);
      case GTE -> DoubleField.newRangeQuery(field, v, Double.POSITIVE_INFINITY);
      case LT -> DoubleField.newRangeQuery(field, Double.NEGATIVE_INFINITY, Math.nextDown(v));
      case LTE -> DoubleField.newRangeQuery(field, Double.NEGATIVE_INFINITY, v);
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
}
