package dev.tokentrail.query.traceql;

/** One lexical token of a TraceQL query and where it starts. */
record Token(Kind kind, String text, int offset) {
  enum Kind {
    LBRACE, RBRACE, LPAREN, RPAREN, PIPE, COMMA,
    AND, OR, NOT,
    EQ, NEQ, GT, GTE, LT, LTE, REGEX, NOT_REGEX,
    DESCENDANT, CHILD, SIBLING, NOT_DESCENDANT, NOT_CHILD, NOT_SIBLING, ANCESTOR, PARENT,
    STRING, NUMBER, DURATION, IDENT, EOF
  }
}
