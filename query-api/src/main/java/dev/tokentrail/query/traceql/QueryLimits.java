package dev.tokentrail.query.traceql;

import java.util.List;

/**
 * Limits on one TraceQL query, checked before it is parsed, so that no query text can make the
 * parser or the store do unbounded work: its length, its conditions (comparisons), and how deeply
 * its braces and parentheses nest (the parser recurses on them). A query past one is a {@link
 * TraceQlException} naming the limit and its setting; the API answers it with 400.
 */
public record QueryLimits(int maxLength, int maxConditions, int maxDepth) {
  public static final QueryLimits DEFAULT = new QueryLimits(16_384, 256, 64);

  private static volatile QueryLimits current = DEFAULT;

  public QueryLimits {
    if (maxLength <= 0) {
      throw new IllegalArgumentException("maxLength: " + maxLength + " (expected: > 0)");
    }
    if (maxConditions <= 0) {
      throw new IllegalArgumentException("maxConditions: " + maxConditions + " (expected: > 0)");
    }
    if (maxDepth <= 0) {
      throw new IllegalArgumentException("maxDepth: " + maxDepth + " (expected: > 0)");
    }
  }

  /** The limits every parse checks (set once by the server from its configuration). */
  public static QueryLimits current() {
    return current;
  }

  public static void set(QueryLimits limits) {
    current = java.util.Objects.requireNonNull(limits, "limits");
  }

  void checkLength(String query) {
    if (query.length() > maxLength) {
      throw new TraceQlException(
          "query: " + query.length() + " characters (expected: at most " + maxLength + "; setting query.max_length)", 0);
    }
  }

  void checkTokens(List<Token> tokens) {
    int conditions = 0;
    int depth = 0;
    for (Token t : tokens) {
      switch (t.kind()) {
        case EQ, NEQ, GT, GTE, LT, LTE, REGEX, NOT_REGEX -> {
          if (++conditions > maxConditions) {
            throw new TraceQlException(
                "query: more than " + maxConditions + " conditions (expected: at most " + maxConditions
                    + "; setting query.max_conditions)", t.offset());
          }
        }
        case LBRACE, LPAREN -> {
          if (++depth > maxDepth) {
            throw new TraceQlException(
                "query: nested deeper than " + maxDepth + " braces and parentheses (expected: at most " + maxDepth + ")",
                t.offset());
          }
        }
        case RBRACE, RPAREN -> depth = Math.max(0, depth - 1);
        default -> { }
      }
    }
  }
}
