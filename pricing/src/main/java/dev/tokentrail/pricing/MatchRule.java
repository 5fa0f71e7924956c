package dev.tokentrail.pricing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A model-id match rule in genai-prices' language: {@code equals}, {@code starts_with}, {@code
 * ends_with}, {@code contains}, {@code regex} and {@code or} / {@code and} of rules, applied to the
 * lower-case model id as genai-prices applies them. Rules are evaluated once per distinct model
 * name; the catalog caches the outcome.
 */
abstract class MatchRule {
  abstract boolean matches(String name);

  static MatchRule equalsAny(List<String> names) {
    List<MatchRule> rules = new ArrayList<>();
    for (String name : names) {
      rules.add(new Text("equals", name.toLowerCase(Locale.ROOT)));
    }
    return rules.size() == 1 ? rules.get(0) : new Any(rules);
  }

  static MatchRule or(MatchRule first, MatchRule second) {
    List<MatchRule> rules = new ArrayList<>();
    rules.add(first);
    rules.add(second);
    return new Any(rules);
  }

  @SuppressWarnings("unchecked")
  static MatchRule parse(Object node, String where) {
    if (!(node instanceof Map) || ((Map<?, ?>) node).size() != 1) {
      throw new IllegalArgumentException(
          where + ": " + node + " (expected: one of equals, starts_with, ends_with, contains, regex, or, and)");
    }
    Map.Entry<?, Object> e = ((Map<?, Object>) node).entrySet().iterator().next();
    String op = String.valueOf(e.getKey());
    Object value = e.getValue();
    switch (op) {
      case "equals":
      case "starts_with":
      case "ends_with":
      case "contains":
        return new Text(op, String.valueOf(value).toLowerCase(Locale.ROOT));
      case "regex":
        try {
          return new Regex(Pattern.compile(String.valueOf(value)));
        } catch (PatternSyntaxException ex) {
          throw new IllegalArgumentException(where + ".regex: " + ex.getMessage(), ex);
        }
      case "or":
      case "and":
        if (!(value instanceof List) || ((List<?>) value).isEmpty()) {
          throw new IllegalArgumentException(where + "." + op + ": expected a non-empty list");
        }
        List<MatchRule> rules = new ArrayList<>();
        List<Object> items = (List<Object>) value;
        for (int i = 0; i < items.size(); i++) {
          rules.add(parse(items.get(i), where + "." + op + "[" + i + "]"));
        }
        return op.equals("or") ? new Any(rules) : new All(rules);
      default:
        throw new IllegalArgumentException(
            where + ": " + op + " (expected: equals, starts_with, ends_with, contains, regex, or, and)");
    }
  }

  private static final class Text extends MatchRule {
    private final String op;
    private final String text;

    Text(String op, String text) {
      this.op = op;
      this.text = text;
    }

    @Override
    boolean matches(String name) {
      switch (op) {
        case "equals":
          return name.equals(text);
        case "starts_with":
          return name.startsWith(text);
        case "ends_with":
          return name.endsWith(text);
        default:
          return name.contains(text);
      }
    }
  }

  private static final class Regex extends MatchRule {
    private final Pattern pattern;

    Regex(Pattern pattern) {
      this.pattern = pattern;
    }

    @Override
    boolean matches(String name) {
      return pattern.matcher(name).find();
    }
  }

  private static final class Any extends MatchRule {
    private final List<MatchRule> rules;

    Any(List<MatchRule> rules) {
      this.rules = List.copyOf(rules);
    }

    @Override
    boolean matches(String name) {
      for (MatchRule rule : rules) {
        if (rule.matches(name)) {
          return true;
        }
      }
      return false;
    }
  }

  private static final class All extends MatchRule {
    private final List<MatchRule> rules;

    All(List<MatchRule> rules) {
      this.rules = List.copyOf(rules);
    }

    @Override
    boolean matches(String name) {
      for (MatchRule rule : rules) {
        if (!rule.matches(name)) {
          return false;
        }
      }
      return true;
    }
  }
}
