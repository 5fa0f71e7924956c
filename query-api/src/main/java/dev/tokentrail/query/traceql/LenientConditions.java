package dev.tokentrail.query.traceql;

import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanFilter.Condition;
import dev.tokentrail.store.SpanFilter.Op;
import dev.tokentrail.store.Spansets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The conditions an unfinished TraceQL text narrows tag values by, read the way Tempo reads the
 * {@code q} of {@code /api/v2/search/tag/{tag}/values} (Tempo's {@code pkg/traceql/lenient_parser.go}
 * and {@code lenient_extract.go}). Since Grafana 10.2 the query editor sends the whole text being
 * typed, e.g. {@code { resource.service.name = "api" && span.gen_ai.request.model = }}; this never
 * refuses such a text, it answers {@code null} (no narrowing) when it cannot read it.
 *
 * <p>Tempo's steps, kept here:
 *
 * <ol>
 *   <li>Before the first {@code |}, every incomplete matcher (an attribute or intrinsic and a
 *       comparison with nothing after it: end of text, {@code }}, {@code )}, {@code &&} or {@code
 *       ||}) becomes {@code true}; unclosed braces are closed. A string left open ends the text
 *       (Tempo's lexer stops there too).
 *   <li>The result must then read as a whole query; if not (a dangling {@code &&}, an unclosed
 *       parenthesis, garbage), there is no narrowing.
 *   <li>Only a query whose first pipeline element is a single spanset filter {@code { ... }}
 *       narrows: several spansets ({@code {A} && {B}}, {@code >>}) do not. Later pipeline stages
 *       ({@code | count() > 2}, {@code | select(...)}) are ignored.
 *   <li>The filter is expanded into OR groups of AND-ed conditions ({@code (a || b) && c} gives
 *       {@code [a, c]} and {@code [b, c]}); conditions that are only a column reference (a bare
 *       attribute, {@code != nil}, attribute-to-attribute or arithmetic comparisons) are dropped,
 *       and if any group is then empty ({@code { .a = 1 || .b = }}), there is no narrowing. More
 *       than {@value #MAX_GROUPS} groups is an error, as in Tempo.
 * </ol>
 *
 * <p>Where TokenTrail differs, it narrows less, never more: a negated expression ({@code !(...)})
 * and a matcher TokenTrail's parser refuses (the {@code event.} scope, ...) add no condition.
 *
 * <p>Each complete matcher is read by {@link TraceQlParser}, so a condition means here exactly
 * what it means in a search.
 */
public final class LenientConditions {
  /** Tempo's {@code DefaultMaxConditionGroupsPerTagQuery}. */
  public static final int MAX_GROUPS = 100;

  private final String input;
  private final List<Tok> tokens;
  private int index;

  private LenientConditions(String input, List<Tok> tokens) {
    this.input = input;
    this.tokens = tokens;
  }

  /**
   * The OR groups of AND-ed conditions that narrow tag values, or {@code null} when the text does
   * not narrow them (empty, {@code { }}, unreadable, several spansets, a match-all branch).
   *
   * @throws IllegalArgumentException with Tempo's message when the OR groups exceed {@value
   *     #MAX_GROUPS}
   */
  public static List<List<Condition>> extract(String query) {
    if (query == null || query.isBlank()) {
      return null;
    }
    List<Tok> tokens = rewrite(tokenize(query));
    if (tokens.isEmpty()) {
      return null;
    }
    Node filter;
    try {
      filter = new LenientConditions(query, tokens).firstSpansetFilter();
    } catch (Unreadable e) {
      return null;
    }
    if (filter == null) {
      return null;
    }
    Groups groups = groups(filter);
    for (List<Condition> group : groups.list) {
      if (group.isEmpty()) {
        return null; // a branch that constrains nothing: match-all
      }
    }
    if (groups.exceeded) {
      throw new IllegalArgumentException(
          "maximum condition groups reached (limit: " + MAX_GROUPS + "). Reduce the number of OR conditions in the query");
    }
    return groups.list;
  }

  // ---------------------------------------------------------------------------------------------
  // Tokens: a lexer that never fails. Positions index the original text, so a complete matcher can
  // be handed to TraceQlParser as written.

  enum Kind {
    LBRACE, RBRACE, LPAREN, RPAREN, PIPE, COMMA, AND, OR, NOT, CMP, STRUCTURAL, ARITH,
    STRING, NUMBER, WORD, IDENT, TRUE_PLACEHOLDER, OTHER
  }

  record Tok(Kind kind, String text, int start, int end) {}

  private static final Set<String> LITERAL_WORDS = Set.of(
      "true", "false", "nil", "error", "ok", "unset", "server", "client", "producer", "consumer", "internal", "unspecified");

  static List<Tok> tokenize(String s) {
    List<Tok> out = new ArrayList<>();
    int i = 0;
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
        continue;
      }
      int start = i;
      char next = i + 1 < n ? s.charAt(i + 1) : '\0';
      char third = i + 2 < n ? s.charAt(i + 2) : '\0';
      switch (c) {
        case '{' -> out.add(tok(Kind.LBRACE, s, start, ++i));
        case '}' -> out.add(tok(Kind.RBRACE, s, start, ++i));
        case '(' -> out.add(tok(Kind.LPAREN, s, start, ++i));
        case ')' -> out.add(tok(Kind.RPAREN, s, start, ++i));
        case ',' -> out.add(tok(Kind.COMMA, s, start, ++i));
        case '|' -> {
          i += next == '|' ? 2 : 1;
          out.add(tok(next == '|' ? Kind.OR : Kind.PIPE, s, start, i));
        }
        case '&' -> {
          i += next == '&' ? 2 : 1;
          out.add(tok(next == '&' ? Kind.AND : Kind.OTHER, s, start, i));
        }
        case '=' -> {
          i += next == '~' ? 2 : 1;
          out.add(tok(Kind.CMP, s, start, i));
        }
        case '!' -> {
          if (next == '=' || next == '~') {
            i += 2;
            out.add(tok(Kind.CMP, s, start, i));
          } else if (next == '>' || next == '<') {
            i += third == next ? 3 : 2;
            out.add(tok(Kind.STRUCTURAL, s, start, i));
          } else {
            out.add(tok(Kind.NOT, s, start, ++i));
          }
        }
        case '>', '<' -> {
          if (next == c) {
            i += 2;
            out.add(tok(Kind.STRUCTURAL, s, start, i));
          } else {
            i += next == '=' ? 2 : 1;
            // A comparison inside a filter, a child/parent operator between spansets.
            out.add(tok(Kind.CMP, s, start, i));
          }
        }
        case '~' -> out.add(tok(Kind.STRUCTURAL, s, start, ++i));
        case '+', '*', '/', '%', '^' -> out.add(tok(Kind.ARITH, s, start, ++i));
        case '"', '`' -> {
          int end = closingQuote(s, i, c);
          if (end < 0) {
            return out; // an unclosed string ends the text, as Tempo's lexer stops there
          }
          i = end + 1;
          out.add(tok(Kind.STRING, s, start, i));
        }
        default -> {
          if (Character.isDigit(c) || (c == '-' && Character.isDigit(next) && !endsOperand(out))) {
            i++;
            while (i < n && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '.' || s.charAt(i) == 'µ'
                || ((s.charAt(i) == '-' || s.charAt(i) == '+') && (s.charAt(i - 1) == 'e' || s.charAt(i - 1) == 'E')))) {
              i++;
            }
            out.add(tok(Kind.NUMBER, s, start, i));
          } else if (c == '-') {
            out.add(tok(Kind.ARITH, s, start, ++i));
          } else if (Character.isLetter(c) || c == '_' || c == '.') {
            i = identEnd(s, i);
            if (i < 0) {
              return out; // span."unclosed
            }
            String text = s.substring(start, i);
            out.add(new Tok(LITERAL_WORDS.contains(text) ? Kind.WORD : Kind.IDENT, text, start, i));
          } else {
            out.add(tok(Kind.OTHER, s, start, ++i));
          }
        }
      }
    }
    return out;
  }

  private static Tok tok(Kind kind, String s, int start, int end) {
    return new Tok(kind, s.substring(start, end), start, end);
  }

  private static boolean endsOperand(List<Tok> out) {
    if (out.isEmpty()) {
      return false;
    }
    Kind k = out.get(out.size() - 1).kind();
    return k == Kind.IDENT || k == Kind.NUMBER || k == Kind.STRING || k == Kind.RPAREN || k == Kind.WORD;
  }

  private static int closingQuote(String s, int open, char quote) {
    for (int i = open + 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && quote == '"') {
        i++;
      } else if (c == quote) {
        return i;
      }
    }
    return -1;
  }

  /** The end of an identifier (dots, colons, slashes, dashes as TokenTrail's lexer reads them), -1 if a quoted part is open. */
  private static int identEnd(String s, int i) {
    i++;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == ':' || c == '/' || c == '-') {
        i++;
      } else if (c == '"' && s.charAt(i - 1) == '.') {
        int close = closingQuote(s, i, '"');
        if (close < 0) {
          return -1;
        }
        i = close + 1;
      } else {
        break;
      }
    }
    return i;
  }

  /** Tempo's replaceIncompleteMatchers and rebuildQuery's brace balancing. */
  static List<Tok> rewrite(List<Tok> tokens) {
    List<Tok> out = new ArrayList<>(tokens.size() + 2);
    int pipe = tokens.size();
    for (int i = 0; i < tokens.size(); i++) {
      if (tokens.get(i).kind() == Kind.PIPE) {
        pipe = i;
        break;
      }
    }
    for (int i = 0; i < pipe; ) {
      Tok t = tokens.get(i);
      if (t.kind() == Kind.IDENT && i + 1 < pipe && tokens.get(i + 1).kind() == Kind.CMP
          && (i + 2 >= pipe || isTerminator(tokens.get(i + 2).kind()))) {
        out.add(new Tok(Kind.TRUE_PLACEHOLDER, "true", t.start(), tokens.get(i + 1).end()));
        i += 2;
        continue;
      }
      out.add(t);
      i++;
    }
    out.addAll(tokens.subList(pipe, tokens.size()));
    int depth = 0;
    for (Tok t : out) {
      if (t.kind() == Kind.LBRACE) {
        depth++;
      } else if (t.kind() == Kind.RBRACE) {
        depth--;
      }
    }
    int end = tokens.isEmpty() ? 0 : tokens.get(tokens.size() - 1).end();
    for (; depth > 0; depth--) {
      out.add(new Tok(Kind.RBRACE, "}", end, end));
    }
    return out;
  }

  private static boolean isTerminator(Kind kind) {
    return kind == Kind.RBRACE || kind == Kind.RPAREN || kind == Kind.AND || kind == Kind.OR;
  }

  // ---------------------------------------------------------------------------------------------
  // Reading the rewritten query.

  /** Thrown when the rewritten text does not read as a query: no narrowing. */
  private static final class Unreadable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unreadable() {
      super(null, null, false, false);
    }
  }

  /** A boolean expression inside the filter. */
  sealed interface Node {}

  record And(Node left, Node right) implements Node {}

  record Or(Node left, Node right) implements Node {}

  /** A leaf: one condition, or none ({@code true}, a bare attribute, a comparison the store cannot filter on). */
  record Leaf(Condition condition) implements Node {}

  private static final Leaf NOTHING = new Leaf(null);

  /** The first pipeline element if it is a single spanset filter, else null; Unreadable if the query does not read. */
  private Node firstSpansetFilter() {
    int pipe = tokens.size();
    int depth = 0;
    for (int i = 0; i < tokens.size() && pipe == tokens.size(); i++) {
      switch (tokens.get(i).kind()) {
        case LBRACE, LPAREN -> depth++;
        case RBRACE, RPAREN -> depth--;
        case PIPE -> {
          if (depth == 0) {
            pipe = i;
          }
        }
        default -> { }
      }
    }
    checkPipeline(pipe);
    int parens = 0;
    while (peekKind() == Kind.LPAREN) {
      index++;
      parens++;
    }
    if (peekKind() != Kind.LBRACE) {
      throw new Unreadable();
    }
    index++;
    Node filter = peekKind() == Kind.RBRACE ? NOTHING : expr();
    expect(Kind.RBRACE);
    for (; parens > 0; parens--) {
      expect(Kind.RPAREN);
    }
    if (index != pipe) {
      // {A} && {B}, {A} >> {B}, ...: several spansets; Tempo reads no single filter from them.
      return null;
    }
    return filter;
  }

  /**
   * Pipeline stages are not rewritten (as in Tempo) and must still read: balanced, no empty stage,
   * no operator left without its operand. What they compute does not matter here.
   */
  private void checkPipeline(int pipe) {
    if (pipe == tokens.size()) {
      return;
    }
    int depth = 0;
    int stageTokens = 0;
    for (int i = pipe + 1; i < tokens.size(); i++) {
      Tok t = tokens.get(i);
      switch (t.kind()) {
        case PIPE -> {
          if (depth == 0) {
            if (stageTokens == 0) {
              throw new Unreadable();
            }
            stageTokens = 0;
            continue;
          }
        }
        case LBRACE, LPAREN -> depth++;
        case RBRACE, RPAREN -> {
          if (--depth < 0) {
            throw new Unreadable();
          }
        }
        case CMP, AND, OR, ARITH, STRUCTURAL, NOT -> {
          Kind after = i + 1 < tokens.size() ? tokens.get(i + 1).kind() : null;
          if (after == null || after == Kind.RBRACE || after == Kind.RPAREN || after == Kind.PIPE
              || after == Kind.AND || after == Kind.OR || after == Kind.CMP) {
            throw new Unreadable();
          }
        }
        case OTHER -> throw new Unreadable();
        default -> { }
      }
      stageTokens++;
    }
    if (depth != 0 || stageTokens == 0) {
      throw new Unreadable();
    }
  }

  private Node expr() {
    Node left = andExpr();
    while (peekKind() == Kind.OR) {
      index++;
      left = new Or(left, andExpr());
    }
    return left;
  }

  private Node andExpr() {
    Node left = unary();
    while (peekKind() == Kind.AND) {
      index++;
      left = new And(left, unary());
    }
    return left;
  }

  private Node unary() {
    Kind k = peekKind();
    if (k == Kind.NOT) {
      index++;
      unary();
      return NOTHING; // narrowing by a negation could exclude values; TokenTrail narrows less instead
    }
    if (k == Kind.TRUE_PLACEHOLDER) {
      index++;
      return NOTHING;
    }
    if (k == Kind.LPAREN) {
      index++;
      Node inner = expr();
      expect(Kind.RPAREN);
      if (peekKind() == Kind.CMP || peekKind() == Kind.ARITH) {
        // (.a + .b) = 3: a computed comparison, a column reference only.
        restOfComparison();
        return NOTHING;
      }
      return inner;
    }
    return comparison();
  }

  /** {@code operand [op operand]}; a condition only for {@code attribute op literal} (or reversed). */
  private Node comparison() {
    int start = index;
    int lhsLength = operand();
    if (peekKind() != Kind.CMP) {
      if (lhsLength != 1) {
        return NOTHING; // (.a + .b) inside parentheses compared after them
      }
      Tok only = tokens.get(start);
      if (only.kind() == Kind.IDENT && !isAttribute(only.text())) {
        throw new Unreadable(); // a bare intrinsic (name, duration) is not a boolean: Tempo's validation refuses it
      }
      if (only.kind() == Kind.IDENT || only.text().equals("true") || only.text().equals("false")) {
        return NOTHING; // a bare attribute is fetched, not filtered; true and false constrain nothing
      }
      throw new Unreadable();
    }
    Tok op = tokens.get(index++);
    int rhsStart = index;
    int rhsLength = operand();
    if (lhsLength != 1 || rhsLength != 1) {
      return NOTHING;
    }
    Tok lhs = tokens.get(start);
    Tok rhs = tokens.get(rhsStart);
    if (lhs.kind() == Kind.IDENT && isLiteral(rhs)) {
      return leaf(lhs, op.text(), rhs);
    }
    if (rhs.kind() == Kind.IDENT && isLiteral(lhs)) {
      String flipped = switch (op.text()) {
        case ">" -> "<";
        case ">=" -> "<=";
        case "<" -> ">";
        case "<=" -> ">=";
        case "=", "!=" -> op.text();
        default -> null; // "x" =~ .a is not a pattern match on .a
      };
      return flipped == null ? NOTHING : leaf(rhs, flipped, lhs);
    }
    return NOTHING; // attribute to attribute, literal to literal
  }

  private void restOfComparison() {
    while (peekKind() == Kind.ARITH) {
      index++;
      operand();
    }
    if (peekKind() == Kind.CMP) {
      index++;
      operand();
    }
  }

  /** One arithmetic operand chain ({@code .a}, {@code 3}, {@code .a + .b}, {@code (.b + .c)}); returns how many terms it had. */
  private int operand() {
    int terms = 0;
    do {
      if (terms > 0) {
        index++; // the arithmetic operator
      }
      Kind k = peekKind();
      if (k == Kind.LPAREN) {
        index++;
        operand();
        expect(Kind.RPAREN);
        terms += 2; // never a plain operand
      } else if (k == Kind.IDENT || k == Kind.STRING || k == Kind.NUMBER || k == Kind.WORD) {
        index++;
        terms++;
      } else {
        throw new Unreadable();
      }
    } while (peekKind() == Kind.ARITH);
    return terms;
  }

  private static boolean isLiteral(Tok t) {
    return t.kind() == Kind.STRING || t.kind() == Kind.NUMBER || t.kind() == Kind.WORD;
  }

  private static boolean isAttribute(String ident) {
    for (String scope : new String[] {".", "span.", "resource.", "event.", "link.", "instrumentation.", "parent."}) {
      if (ident.startsWith(scope)) {
        return true;
      }
    }
    return false;
  }

  /** {@code field op value} read by TraceQlParser, so it means what it means in a search. */
  private Node leaf(Tok field, String op, Tok value) {
    String text = "{ " + field.text() + " " + op + " " + input.substring(value.start(), value.end()) + " }";
    SpanFilter filter;
    try {
      filter = ((Spansets.Filter) TraceQlParser.parse(text).spansets()).filter();
    } catch (TraceQlException | ClassCastException e) {
      return NOTHING; // a matcher TokenTrail cannot run narrows nothing
    }
    if (!(filter instanceof Condition c) || c.op() == Op.EXISTS) {
      return NOTHING; // != nil is a column reference in Tempo's extraction
    }
    return new Leaf(c);
  }

  private Kind peekKind() {
    return index < tokens.size() ? tokens.get(index).kind() : null;
  }

  private void expect(Kind kind) {
    if (peekKind() != kind) {
      throw new Unreadable();
    }
    index++;
  }

  // ---------------------------------------------------------------------------------------------
  // OR groups (Tempo's splitReqConditions).

  private record Groups(List<List<Condition>> list, boolean exceeded) {}

  private static Groups groups(Node node) {
    return switch (node) {
      case Leaf leaf -> new Groups(List.of(leaf.condition() == null ? List.of() : List.of(leaf.condition())), false);
      case Or or -> {
        Groups l = groups(or.left());
        Groups r = groups(or.right());
        Set<List<Condition>> union = new LinkedHashSet<>(l.list());
        union.addAll(r.list());
        List<List<Condition>> list = new ArrayList<>(union);
        boolean exceeded = l.exceeded() || r.exceeded() || list.size() > MAX_GROUPS;
        yield new Groups(list.size() > MAX_GROUPS ? list.subList(0, MAX_GROUPS) : list, exceeded);
      }
      case And and -> {
        Groups l = groups(and.left());
        Groups r = groups(and.right());
        List<List<Condition>> list = new ArrayList<>();
        boolean exceeded = l.exceeded() || r.exceeded();
        outer:
        for (List<Condition> a : r.list()) {
          for (List<Condition> b : l.list()) {
            if (list.size() == MAX_GROUPS) {
              exceeded = true;
              break outer;
            }
            List<Condition> both = new ArrayList<>(b);
            both.addAll(a);
            list.add(List.copyOf(both));
          }
        }
        yield new Groups(list, exceeded);
      }
    };
  }
}
