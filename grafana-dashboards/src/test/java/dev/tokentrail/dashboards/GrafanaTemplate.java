package dev.tokentrail.dashboards;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Grafana's template syntax in query text ({@code $name}, {@code ${name}}, {@code ${name:format}},
 * {@code ${name.path}}, {@code [[name]]}) and its substitution the way Grafana does it before a
 * query leaves the browser: dashboard variables at their all-value, and the built-in time macros.
 */
final class GrafanaTemplate {
  /** Grafana's own variable regex (public/app/features/variables/utils.ts). */
  private static final Pattern REFERENCE =
      Pattern.compile("\\$(\\w+)|\\[\\[(\\w+?)(?::(\\w+))?]]|\\$\\{(\\w+)(?:\\.([^:^}]+))?(?::([^}]+))?}");

  /** Variables Grafana defines itself: time range, interval, and the data-link ones. */
  static final Set<String> BUILT_INS = Set.of("__from", "__to", "__interval", "__interval_ms", "__rate_interval",
      "__rate_interval_ms", "__range", "__range_s", "__range_ms", "__timeFilter", "__value", "__data", "__field",
      "__series", "__org", "__user", "__dashboard", "__name");

  private final Map<String, String> values;

  private GrafanaTemplate(Map<String, String> values) {
    this.values = values;
  }

  /** The variable names {@code text} refers to. */
  static List<String> references(String text) {
    List<String> names = new ArrayList<>();
    Matcher m = REFERENCE.matcher(text);
    while (m.find()) {
      names.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(4));
    }
    return names;
  }

  /**
   * Values as Grafana computes them for a panel over {@code fromMillis..toMillis} with the given
   * interval and the data source's scrape interval; dashboard variables take {@code variables}.
   */
  static GrafanaTemplate forRange(long fromMillis, long toMillis, long intervalSeconds, long scrapeIntervalSeconds,
      Map<String, String> variables) {
    Map<String, String> values = new HashMap<>(variables);
    long rangeSeconds = Math.round((toMillis - fromMillis) / 1000.0);
    // Grafana: $__rate_interval = max($__interval + scrape interval, 4 * scrape interval).
    long rateInterval = Math.max(intervalSeconds + scrapeIntervalSeconds, 4 * scrapeIntervalSeconds);
    values.put("__from", Long.toString(fromMillis));
    values.put("__to", Long.toString(toMillis));
    values.put("__interval", secondsToHms(intervalSeconds));
    values.put("__interval_ms", Long.toString(intervalSeconds * 1000));
    values.put("__rate_interval", rateInterval + "s");
    values.put("__rate_interval_ms", Long.toString(rateInterval * 1000));
    values.put("__range", rangeSeconds + "s");
    values.put("__range_s", Long.toString(rangeSeconds));
    values.put("__range_ms", Long.toString(toMillis - fromMillis));
    return new GrafanaTemplate(values);
  }

  /**
   * Grafana's rendering of an interval (rangeUtil.secondsToHms): the count of its largest whole
   * unit, e.g. 60 -> {@code 1m}, 90 -> {@code 1m}, 86400 -> {@code 1d}.
   */
  static String secondsToHms(long seconds) {
    long years = seconds / 31_536_000;
    long days = seconds % 31_536_000 / 86_400;
    long hours = seconds % 86_400 / 3_600;
    long minutes = seconds % 3_600 / 60;
    return years > 0 ? years + "y" : days > 0 ? days + "d" : hours > 0 ? hours + "h" : minutes > 0 ? minutes + "m" : seconds + "s";
  }

  /** A Grafana duration ({@code 30s}, {@code 1m}, {@code 2h}, {@code 1d}, {@code 1w}) in seconds. */
  static long durationSeconds(String duration) {
    Matcher m = Pattern.compile("(\\d+)([smhdwy])").matcher(duration.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a Grafana duration: " + duration);
    }
    long unit = switch (m.group(2)) {
      case "s" -> 1;
      case "m" -> 60;
      case "h" -> 3_600;
      case "d" -> 86_400;
      case "w" -> 604_800;
      default -> 31_536_000;
    };
    return Long.parseLong(m.group(1)) * unit;
  }

  /** {@code text} with every reference replaced; an unknown one is an error naming it. */
  String interpolate(String text) {
    Matcher m = REFERENCE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(4);
      String value = values.get(name);
      if (value == null) {
        throw new IllegalArgumentException("$" + name + ": not a dashboard variable nor a Grafana macro, in: " + text);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
