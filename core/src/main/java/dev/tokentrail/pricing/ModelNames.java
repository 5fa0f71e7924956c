package dev.tokentrail.pricing;

import java.util.Locale;

/**
 * Reduces the many spellings of a model id to the catalog's canonical id: lower case, without
 * dated snapshot suffixes ({@code -2024-08-06}, {@code -20241022}, {@code @20241022}), {@code
 * -latest}, Bedrock version suffixes ({@code -v2:0}) and cross-region prefixes ({@code us.}).
 * Plain string work, no regular expressions: it runs once per distinct model name.
 */
final class ModelNames {
  private ModelNames() {}

  static String canonicalize(String model) {
    String name = model.trim().toLowerCase(Locale.ROOT);
    if (name.startsWith("models/")) {
      name = name.substring("models/".length());
    }
    for (String region : new String[] {"us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au."}) {
      if (name.startsWith(region) && name.indexOf('.', region.length()) > 0) {
        name = name.substring(region.length());
        break;
      }
    }
    int at = name.indexOf('@');
    if (at > 0) {
      name = name.substring(0, at);
    }
    name = stripBedrockVersion(name);
    name = stripSuffix(name, "-latest");
    name = stripDate(name);
    return name;
  }

  /** {@code anthropic.claude-3-5-sonnet-20241022-v2:0} ends in {@code -v2:0}. */
  private static String stripBedrockVersion(String name) {
    int colon = name.lastIndexOf(':');
    if (colon < 0) {
      return name;
    }
    int dash = name.lastIndexOf("-v", colon);
    if (dash > 0 && allDigits(name, dash + 2, colon) && allDigits(name, colon + 1, name.length())) {
      return name.substring(0, dash);
    }
    // A suffix after the version (Bedrock provisioned ids: "-v1:0:200k"), or an Ollama tag.
    return stripBedrockVersion(name.substring(0, colon));
  }

  private static String stripDate(String name) {
    // -YYYY-MM-DD
    int n = name.length();
    if (n > 11
        && name.charAt(n - 11) == '-'
        && name.charAt(n - 6) == '-'
        && name.charAt(n - 3) == '-'
        && allDigits(name, n - 10, n - 6)
        && allDigits(name, n - 5, n - 3)
        && allDigits(name, n - 2, n)
        && name.startsWith("20", n - 10)) {
      return name.substring(0, n - 11);
    }
    // -YYYYMMDD
    if (n > 9 && name.charAt(n - 9) == '-' && allDigits(name, n - 8, n) && name.startsWith("20", n - 8)) {
      return name.substring(0, n - 9);
    }
    return name;
  }

  private static String stripSuffix(String name, String suffix) {
    return name.endsWith(suffix) ? name.substring(0, name.length() - suffix.length()) : name;
  }

  private static boolean allDigits(String s, int from, int to) {
    if (from >= to) {
      return false;
    }
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }
}
