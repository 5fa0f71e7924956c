package dev.tokentrail.query.traceql;

import java.util.ArrayList;
import java.util.List;

/** Splits a TraceQL query into tokens. Attribute names may hold dots, colons, slashes and dashes. */
final class Lexer {
  private final String input;
  private int pos;
  private final List<Token> tokens = new ArrayList<>();

  private Lexer(String input) {
    this.input = input;
  }

  static List<Token> tokenize(String input) {
    Lexer lexer = new Lexer(input);
    lexer.run();
    return lexer.tokens;
  }

  private void run() {
    while (true) {
      skipWhitespace();
      if (pos >= input.length()) {
        tokens.add(new Token(Token.Kind.EOF, "", pos));
        return;
      }
      int start = pos;
      char c = input.charAt(pos);
      switch (c) {
        case '{' -> single(Token.Kind.LBRACE);
        case '}' -> single(Token.Kind.RBRACE);
        case '(' -> single(Token.Kind.LPAREN);
        case ')' -> single(Token.Kind.RPAREN);
        case ',' -> single(Token.Kind.COMMA);
        case '|' -> {
          if (peek(1) == '|') {
            add(Token.Kind.OR, start, 2);
          } else {
            single(Token.Kind.PIPE);
          }
        }
        case '&' -> {
          if (peek(1) != '&') {
            throw new TraceQlException("unexpected '&' (expected: &&)", start);
          }
          add(Token.Kind.AND, start, 2);
        }
        case '=' -> {
          if (peek(1) == '~') {
            add(Token.Kind.REGEX, start, 2);
          } else {
            single(Token.Kind.EQ);
          }
        }
        case '!' -> {
          char n = peek(1);
          if (n == '=') {
            add(Token.Kind.NEQ, start, 2);
          } else if (n == '~') {
            add(Token.Kind.NOT_REGEX, start, 2);
          } else if (n == '>' && peek(2) == '>') {
            add(Token.Kind.NOT_DESCENDANT, start, 3);
          } else if (n == '>') {
            add(Token.Kind.NOT_CHILD, start, 2);
          } else {
            single(Token.Kind.NOT);
          }
        }
        case '>' -> {
          if (peek(1) == '>') {
            add(Token.Kind.DESCENDANT, start, 2);
          } else if (peek(1) == '=') {
            add(Token.Kind.GTE, start, 2);
          } else {
            single(Token.Kind.GT);
          }
        }
        case '<' -> {
          if (peek(1) == '<') {
            add(Token.Kind.ANCESTOR, start, 2);
          } else if (peek(1) == '=') {
            add(Token.Kind.LTE, start, 2);
          } else {
            single(Token.Kind.LT);
          }
        }
        case '~' -> single(Token.Kind.SIBLING);
        case '"', '`' -> string(c);
        default -> {
          if (Character.isDigit(c) || (c == '-' && Character.isDigit(peek(1)))) {
            number();
          } else if (isIdentStart(c)) {
            ident();
          } else {
            throw new TraceQlException("unexpected character '" + c + "'", start);
          }
        }
      }
    }
  }

  private void skipWhitespace() {
    while (pos < input.length() && Character.isWhitespace(input.charAt(pos))) {
      pos++;
    }
  }

  private char peek(int ahead) {
    int i = pos + ahead;
    return i < input.length() ? input.charAt(i) : '\0';
  }

  private void single(Token.Kind kind) {
    add(kind, pos, 1);
  }

  private void add(Token.Kind kind, int start, int length) {
    tokens.add(new Token(kind, input.substring(start, start + length), start));
    pos = start + length;
  }

  private void string(char quote) {
    int start = pos;
    pos++;
    StringBuilder out = new StringBuilder();
    while (pos < input.length()) {
      char c = input.charAt(pos);
      if (c == quote) {
        pos++;
        tokens.add(new Token(Token.Kind.STRING, out.toString(), start));
        return;
      }
      if (c == '\\' && quote == '"' && pos + 1 < input.length()) {
        char next = input.charAt(pos + 1);
        switch (next) {
          case 'n' -> out.append('\n');
          case 't' -> out.append('\t');
          case '"' -> out.append('"');
          case '\\' -> out.append('\\');
          default -> out.append('\\').append(next);
        }
        pos += 2;
        continue;
      }
      out.append(c);
      pos++;
    }
    throw new TraceQlException("unterminated string", start);
  }

  private void number() {
    int start = pos;
    if (input.charAt(pos) == '-') {
      pos++;
    }
    while (pos < input.length() && (Character.isDigit(input.charAt(pos)) || input.charAt(pos) == '.')) {
      pos++;
    }
    if (pos < input.length() && (input.charAt(pos) == 'e' || input.charAt(pos) == 'E')
        && (Character.isDigit(peek(1)) || ((peek(1) == '-' || peek(1) == '+') && Character.isDigit(peek(2))))) {
      pos += 2;
      while (pos < input.length() && Character.isDigit(input.charAt(pos))) {
        pos++;
      }
    }
    int unitStart = pos;
    while (pos < input.length() && (Character.isLetter(input.charAt(pos)) || input.charAt(pos) == 'µ')) {
      pos++;
    }
    String unit = input.substring(unitStart, pos);
    if (unit.isEmpty()) {
      tokens.add(new Token(Token.Kind.NUMBER, input.substring(start, pos), start));
    } else if (DurationLiteral.isUnit(unit)) {
      tokens.add(new Token(Token.Kind.DURATION, input.substring(start, pos), start));
    } else {
      throw new TraceQlException("unknown duration unit '" + unit + "' (expected: ns, us, ms, s, m, h)", unitStart);
    }
  }

  private void ident() {
    int start = pos;
    pos++;
    while (pos < input.length() && isIdentPart(input.charAt(pos))) {
      pos++;
    }
    // span."quoted name" and resource."quoted name"
    if (pos < input.length() && input.charAt(pos) == '"' && input.charAt(pos - 1) == '.') {
      String scope = input.substring(start, pos);
      string('"');
      Token quoted = tokens.remove(tokens.size() - 1);
      tokens.add(new Token(Token.Kind.IDENT, scope + quoted.text(), start));
      return;
    }
    tokens.add(new Token(Token.Kind.IDENT, input.substring(start, pos), start));
  }

  private static boolean isIdentStart(char c) {
    return Character.isLetter(c) || c == '_' || c == '.';
  }

  private static boolean isIdentPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
  }
}
