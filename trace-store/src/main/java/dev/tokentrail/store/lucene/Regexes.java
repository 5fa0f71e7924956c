package dev.tokentrail.store.lucene;

import org.apache.lucene.index.Term;
import org.apache.lucene.search.RegexpQuery;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.CharacterRunAutomaton;
import org.apache.lucene.util.automaton.Operations;
import org.apache.lucene.util.automaton.RegExp;
import org.apache.lucene.util.automaton.TooComplexToDeterminizeException;

/**
 * TraceQL regexes ({@code =~}, {@code !~}) compiled under limits, so that a short pattern cannot
 * make the server build a huge automaton: the size of the automaton the pattern would expand to is
 * estimated from its parse tree before anything is built ({@code ((a{1,100}){1,100}){1,100}}
 * expands to a million states and is refused at once), and determinizing stops at a work limit
 * (Lucene's {@link TooComplexToDeterminizeException}). Both are reported as {@link
 * IllegalArgumentException}s naming the limit: the query API answers them with 400.
 */
final class Regexes {
  /** States the expanded automaton of one pattern may have, estimated before it is built. */
  static final long MAX_STATES = 100_000;

  private Regexes() {}

  /** A {@link RegexpQuery} over {@code field}, within the limits. */
  static RegexpQuery query(String field, String pattern, int determinizeWorkLimit) {
    parse(pattern);
    try {
      return new RegexpQuery(new Term(field, pattern), RegExp.ALL, 0, determinizeWorkLimit);
    } catch (TooComplexToDeterminizeException e) {
      throw tooComplex(pattern, determinizeWorkLimit, e);
    }
  }

  /** The pattern as a matcher of whole strings, with the semantics of {@link RegexpQuery}. */
  static CharacterRunAutomaton matcher(String pattern, int determinizeWorkLimit) {
    RegExp regexp = parse(pattern);
    try {
      Automaton automaton = Operations.determinize(regexp.toAutomaton(), determinizeWorkLimit);
      return new CharacterRunAutomaton(automaton);
    } catch (TooComplexToDeterminizeException e) {
      throw tooComplex(pattern, determinizeWorkLimit, e);
    }
  }

  private static RegExp parse(String pattern) {
    RegExp regexp;
    try {
      regexp = new RegExp(pattern, RegExp.ALL);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("regex: " + pattern + " (" + e.getMessage() + ")", e);
    }
    long states = estimate(regexp);
    if (states > MAX_STATES) {
      throw new IllegalArgumentException(
          "regex: " + pattern + " is too complex (expands to about " + (states >= Long.MAX_VALUE / 2 ? "unbounded" : states)
              + " automaton states; limit: " + MAX_STATES + ")");
    }
    return regexp;
  }

  private static IllegalArgumentException tooComplex(String pattern, int limit, TooComplexToDeterminizeException e) {
    return new IllegalArgumentException(
        "regex: " + pattern + " is too complex to determinize (determinize work limit: " + limit + ")", e);
  }

  /** An upper estimate of the states of the automaton a parse tree expands to (saturating). */
  static long estimate(RegExp r) {
    if (r == null) {
      return 0;
    }
    return switch (r.kind) {
      case REGEXP_UNION, REGEXP_CONCATENATION -> add(estimate(r.exp1), estimate(r.exp2));
      case REGEXP_INTERSECTION -> times(estimate(r.exp1), estimate(r.exp2));
      case REGEXP_OPTIONAL, REGEXP_REPEAT -> add(estimate(r.exp1), 1);
      case REGEXP_REPEAT_MIN -> times(estimate(r.exp1), (long) r.min + 1);
      case REGEXP_REPEAT_MINMAX -> times(estimate(r.exp1), Math.max(1L, r.max));
      // Complements determinize under the work limit as they are built.
      case REGEXP_COMPLEMENT, REGEXP_DEPRECATED_COMPLEMENT -> add(estimate(r.exp1), 1);
      case REGEXP_STRING -> r.s == null ? 1 : r.s.length() + 1L;
      case REGEXP_INTERVAL -> times(Math.max(1, r.digits), 10);
      default -> 2;
    };
  }

  private static long add(long a, long b) {
    long s = a + b;
    return s < 0 ? Long.MAX_VALUE : s;
  }

  private static long times(long a, long b) {
    return a != 0 && b > Long.MAX_VALUE / a ? Long.MAX_VALUE : a * b;
  }
}
