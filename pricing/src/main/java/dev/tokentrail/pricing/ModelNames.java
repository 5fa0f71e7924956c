package dev.tokentrail.pricing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The spellings under which a model id reported on a span is looked up, most specific first: the
 * id as reported (lower case), then without {@code models/}, a {@code vendor/} prefix, a Bedrock
 * cross-region prefix ({@code us.}), a Vertex {@code @version}, a Bedrock version suffix ({@code
 * -v2:0}, {@code -v1:0:200k}), a Bedrock vendor prefix ({@code anthropic.}), {@code -latest} and a date suffix ({@code -2024-08-06}, {@code
 * -20241022}, the latter also rewritten as {@code -2024-10-22}); last, the plain name's {@code -latest}
 * alias. A prefix or suffix that makes a
 * price different (a regional profile, a fine-tuned {@code ft:} id) is matched before it is
 * stripped, by the catalog rules that name it. Plain string work, run once per distinct id.
 */
final class ModelNames {
  private static final String[] REGIONS = {
    "us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au.", "ca.", "in.", "regional."
  };
  /** Bedrock's model ids start with the vendor: {@code anthropic.claude-3-5-sonnet-...}. */
  private static final String[] VENDORS = {
    "anthropic.", "amazon.", "meta.", "mistral.", "cohere.", "ai21.", "deepseek.", "openai.", "qwen.",
    "google.", "writer.", "nvidia."
  };

  private ModelNames() {}

  static List<String> candidates(String model) {
    List<String> out = new ArrayList<>(8);
    String name = model.trim().toLowerCase(Locale.ROOT);
    add(out, name);
    if (name.startsWith("ft:")) {
      // A fine-tuned model costs more than its base: only a rule for fine-tuned ids prices it.
      return out;
    }
    if (name.startsWith("models/")) {
      name = name.substring("models/".length());
      add(out, name);
    }
    int slash = name.lastIndexOf('/');
    if (slash >= 0 && slash < name.length() - 1) {
      reduce(out, name);
      name = name.substring(slash + 1);
    }
    reduce(out, name);
    // Mistral's and others' plain names stand for their -latest alias: "codestral", "mistral-small".
    String last = out.get(out.size() - 1);
    if (!last.endsWith("-latest") && last.indexOf(':') < 0) {
      add(out, last + "-latest");
    }
    return out;
  }

  private static void reduce(List<String> out, String start) {
    String name = start;
    add(out, name);
    for (String region : REGIONS) {
      if (name.startsWith(region) && name.indexOf('.', region.length()) > 0) {
        name = name.substring(region.length());
        add(out, name);
        break;
      }
    }
    for (String vendor : VENDORS) {
      if (name.startsWith(vendor) && name.length() > vendor.length()) {
        name = name.substring(vendor.length());
        add(out, name);
        break;
      }
    }
    int at = name.indexOf('@');
    if (at > 0) {
      name = name.substring(0, at);
      add(out, name);
    }
    String unversioned = stripBedrockVersion(name);
    if (!unversioned.equals(name)) {
      name = unversioned;
      add(out, name);
    }
    if (name.endsWith("-latest")) {
      name = name.substring(0, name.length() - "-latest".length());
      add(out, name);
    }
    String dashed = dashedDate(name);
    if (dashed != null) {
      add(out, dashed);
    }
    String undated = stripDate(name);
    if (!undated.equals(name)) {
      add(out, undated);
    }
  }

  private static void add(List<String> out, String name) {
    if (!name.isEmpty() && !out.contains(name)) {
      out.add(name);
    }
  }

  /** {@code anthropic.claude-3-5-sonnet-20241022-v2:0} ends in {@code -v2:0}, maybe {@code :200k}. */
  static String stripBedrockVersion(String name) {
    int colon = name.indexOf(':');
    if (colon < 0) {
      return name;
    }
    int dash = name.lastIndexOf("-v", colon);
    if (dash > 0 && allDigits(name, dash + 2, colon)) {
      return name.substring(0, dash);
    }
    // "deepseek.r1-v1:0" style handled above; "model:tag" (Ollama, provisioned ids) loses its tag.
    return name.substring(0, colon);
  }

  /** {@code -20241022} at the end as {@code -2024-10-22}, or {@code null}. */
  private static String dashedDate(String name) {
    int n = name.length();
    if (n > 9 && name.charAt(n - 9) == '-' && allDigits(name, n - 8, n) && name.startsWith("20", n - 8)) {
      return name.substring(0, n - 4) + "-" + name.substring(n - 4, n - 2) + "-" + name.substring(n - 2);
    }
    return null;
  }

  static String stripDate(String name) {
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
    if (n > 9 && name.charAt(n - 9) == '-' && allDigits(name, n - 8, n) && name.startsWith("20", n - 8)) {
      return name.substring(0, n - 9);
    }
    // OpenAI's four-digit snapshots: gpt-4-0613, gpt-3.5-turbo-0125.
    if (n > 5 && name.charAt(n - 5) == '-' && allDigits(name, n - 4, n) && name.charAt(n - 4) <= '1') {
      return name.substring(0, n - 5);
    }
    return name;
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
