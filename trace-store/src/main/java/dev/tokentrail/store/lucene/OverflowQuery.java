package dev.tokentrail.store.lucene;

import dev.tokentrail.model.Span;
import dev.tokentrail.store.QueryCancellation;
import dev.tokentrail.store.SpanFilter.Condition;
import dev.tokentrail.store.SpanFilter.Op;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.ConstantScoreScorer;
import org.apache.lucene.search.ConstantScoreWeight;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TwoPhaseIterator;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.automaton.CharacterRunAutomaton;

/**
 * The catch-all (slower) path for attributes past a partition's {@link FieldBudget}: the spans
 * holding the key in {@link SpanDocuments#OVERFLOW_KEY} are the candidates, and each candidate's
 * stored span is read and the condition evaluated on its attribute value, with the semantics the
 * indexed fields give it (string ops on strings and booleans, numeric ops on numbers, list
 * elements each, values truncated as indexed). The read checks the {@link QueryCancellation}.
 */
final class OverflowQuery extends Query {
  private final boolean resource;
  private final String key;
  private final Condition condition;
  private final CharacterRunAutomaton regex;

  OverflowQuery(boolean resource, String key, Condition condition, int determinizeWorkLimit) {
    this.resource = resource;
    this.key = key;
    this.condition = condition;
    boolean regexOp = condition.op() == Op.REGEX || condition.op() == Op.NOT_REGEX;
    this.regex = regexOp && condition.value() instanceof String pattern
        ? Regexes.matcher(SpanDocuments.truncate(pattern), determinizeWorkLimit)
        : null;
  }

  private String marker() {
    return (resource ? SpanDocuments.RESOURCE_ATTR : SpanDocuments.SPAN_ATTR) + SpanDocuments.truncate(key);
  }

  /** Whether the span's value of the key satisfies the condition, as the indexed fields would. */
  boolean matches(Span span) {
    Map<String, Object> attributes = resource ? span.resource().attributes() : span.attributes();
    Object value = attributes.get(key);
    return value != null && testWithRegex(value);
  }

  static boolean test(Object value, Condition c) {
    Object wanted = c.value();
    return switch (c.op()) {
      case EXISTS -> hasString(value) || hasNumber(value);
      case NOT_EXISTS -> !(hasString(value) || hasNumber(value));
      default -> {
        if (wanted instanceof Number n) {
          yield numeric(value, n.doubleValue(), c.op());
        }
        yield stringy(value, wanted == null ? null : wanted.toString(), c, null);
      }
    };
  }

  private boolean testWithRegex(Object value) {
    if (regex != null && !(condition.value() instanceof Number)) {
      return stringy(value, null, condition, regex);
    }
    return test(value, condition);
  }

  private static List<?> values(Object value) {
    return value instanceof List<?> list ? list : List.of(value);
  }

  private static String asString(Object v) {
    if (v instanceof String s) {
      return SpanDocuments.truncate(s);
    }
    return v instanceof Boolean b ? b.toString() : null;
  }

  private static boolean hasString(Object value) {
    for (Object v : values(value)) {
      if (asString(v) != null) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasNumber(Object value) {
    for (Object v : values(value)) {
      if (v instanceof Long || (v instanceof Double d && !d.isNaN())) {
        return true;
      }
    }
    return false;
  }

  private static boolean stringy(Object value, String wanted, Condition c, CharacterRunAutomaton regex) {
    String w = wanted == null ? null : SpanDocuments.truncate(wanted);
    boolean any = false;
    boolean some = false;
    for (Object element : values(value)) {
      String s = asString(element);
      if (s == null) {
        continue;
      }
      some = true;
      boolean hit = switch (c.op()) {
        case EQ, NEQ -> s.equals(w);
        case REGEX, NOT_REGEX -> regex != null && regex.run(s);
        case GT -> compare(s, w) > 0;
        case GTE -> compare(s, w) >= 0;
        case LT -> compare(s, w) < 0;
        case LTE -> compare(s, w) <= 0;
        case EXISTS, NOT_EXISTS -> true;
      };
      any |= hit;
    }
    return switch (c.op()) {
      case NEQ, NOT_REGEX -> some && !any;
      default -> any;
    };
  }

  /** Term order: UTF-8 bytes, as Lucene's range queries compare. */
  private static int compare(String a, String b) {
    return new BytesRef(a).compareTo(new BytesRef(b));
  }

  private static boolean numeric(Object value, double wanted, Op op) {
    boolean any = false;
    boolean some = false;
    for (Object element : values(value)) {
      double d;
      if (element instanceof Long l) {
        d = l;
      } else if (element instanceof Double x && !x.isNaN()) {
        d = x;
      } else {
        continue;
      }
      some = true;
      // TraceQL's double comparison (-0.0 equals 0.0), as the indexed fields' ranges
      // (SpanQueries.numberCondition) answer it.
      any |= switch (op) {
        case EQ, NEQ -> d == wanted;
        case GT -> d > wanted;
        case GTE -> d >= wanted;
        case LT -> d < wanted;
        case LTE -> d <= wanted;
        default -> false;
      };
    }
    return switch (op) {
      case NEQ -> some && !any;
      case REGEX, NOT_REGEX -> false;
      default -> any;
    };
  }

  @Override
  public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) throws IOException {
    Weight candidates =
        searcher.createWeight(new TermQuery(new Term(SpanDocuments.OVERFLOW_KEY, marker())), ScoreMode.COMPLETE_NO_SCORES, 1f);
    QueryCancellation cancellation = QueryCancellation.current();
    return new ConstantScoreWeight(this, boost) {
      @Override
      public ScorerSupplier scorerSupplier(LeafReaderContext context) throws IOException {
        ScorerSupplier inner = candidates.scorerSupplier(context);
        if (inner == null) {
          return null;
        }
        StoredFields stored = context.reader().storedFields();
        float score = score();
        return new ScorerSupplier() {
          @Override
          public Scorer get(long leadCost) throws IOException {
            DocIdSetIterator approximation = inner.get(leadCost).iterator();
            TwoPhaseIterator twoPhase = new TwoPhaseIterator(approximation) {
              @Override
              public boolean matches() throws IOException {
                cancellation.check();
                BytesRef blob = stored.document(approximation.docID()).getBinaryValue(SpanDocuments.BLOB);
                if (blob == null) {
                  return false;
                }
                Span span = SpanDocuments.decode(blob);
                Map<String, Object> attributes = resource ? span.resource().attributes() : span.attributes();
                Object value = attributes.get(key);
                return value != null && testWithRegex(value);
              }

              @Override
              public float matchCost() {
                return 10_000;
              }
            };
            return new ConstantScoreScorer(score, scoreMode, twoPhase);
          }

          @Override
          public long cost() {
            return inner.cost();
          }
        };
      }

      @Override
      public boolean isCacheable(LeafReaderContext ctx) {
        return false;
      }
    };
  }

  @Override
  public void visit(QueryVisitor visitor) {
    visitor.visitLeaf(this);
  }

  @Override
  public String toString(String field) {
    return "overflow(" + marker() + " " + condition.op() + " " + condition.value() + ")";
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof OverflowQuery o
        && o.resource == resource
        && o.key.equals(key)
        && o.condition.equals(condition);
  }

  @Override
  public int hashCode() {
    return Objects.hash(resource, key, condition);
  }
}
