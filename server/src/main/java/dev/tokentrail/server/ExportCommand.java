package dev.tokentrail.server;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokentrail export}: a running server's data in the formats other tools import. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = "Exports a running server's data for other tools.",
    subcommands = ExportCommand.Focus.class)
final class ExportCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
  }

  /**
   * {@code tokentrail export focus}: the LLM spend of a month or window as FinOps FOCUS 1.2 charges
   * (GET /api/v1/focus), on standard output, for chargeback in a FinOps tool.
   */
  @Command(
      name = "focus",
      mixinStandardHelpOptions = true,
      description = "Prints the LLM spend as FinOps FOCUS 1.2 charges (CSV), e.g. 'tokentrail export focus --month 2026-11 > ai-spend.csv'.")
  static final class Focus implements Callable<Integer> {
    @Option(names = "--month", paramLabel = "YYYY-MM", description = "A calendar month (UTC); default: the current month up to now.")
    String month;

    @Option(names = "--from", paramLabel = "DATE|INSTANT", description = "Start of the window: 2026-11-01 (start of the UTC day) or an ISO-8601 instant.")
    String from;

    @Option(names = "--to", paramLabel = "DATE|INSTANT", description = "End of the window: 2026-11-30 (the whole UTC day included) or an ISO-8601 instant; default now.")
    String to;

    @Option(names = "--granularity", defaultValue = "day", description = "Charge period: hour, day or month (default ${DEFAULT-VALUE}).")
    String granularity;

    @Option(names = "--format", defaultValue = "csv", description = "csv or json (default ${DEFAULT-VALUE}).")
    String format;

    @Mixin QueryApiClient api = new QueryApiClient();

    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
      String query;
      try {
        query = query();
      } catch (IllegalArgumentException e) {
        err.println("tokentrail export focus: " + e.getMessage());
        return 2;
      }
      QueryApiClient.Response response;
      try {
        response = api.get("/api/v1/focus?" + query, Duration.ofSeconds(120));
      } catch (QueryApiClient.BadEndpoint e) {
        err.println("tokentrail export focus: " + e.getMessage());
        return 2;
      } catch (QueryApiClient.Unreachable e) {
        err.println("tokentrail export focus: " + e.getMessage());
        return 1;
      }
      if (response.status() != 200) {
        err.println("tokentrail export focus: " + response.status() + ": " + response.error());
        return response.status() == 400 ? 2 : 1;
      }
      out.print(response.body());
      out.flush();
      String leftOut = response.header("tokentrail-calls-left-out");
      if (leftOut != null && !leftOut.equals("0")) {
        err.println("tokentrail export focus: " + leftOut + " billed calls are not in the export: their cost is unknown"
            + " (models the price catalog does not know; see 'tokentrail prices --unknown').");
      }
      return 0;
    }

    /** The API's query string: the window in epoch milliseconds, granularity and format. */
    String query() {
      if (!granularity.equals("hour") && !granularity.equals("day") && !granularity.equals("month")) {
        throw new IllegalArgumentException("--granularity: " + granularity + " (expected: hour, day or month)");
      }
      if (!format.equals("csv") && !format.equals("json")) {
        throw new IllegalArgumentException("--format: " + format + " (expected: csv or json)");
      }
      StringBuilder q = new StringBuilder("granularity=").append(granularity).append("&format=").append(format);
      if (month != null) {
        if (from != null || to != null) {
          throw new IllegalArgumentException("--month: cannot be combined with --from or --to");
        }
        YearMonth m;
        try {
          m = YearMonth.parse(month);
        } catch (DateTimeParseException e) {
          throw new IllegalArgumentException("--month: " + month + " (expected: YYYY-MM, e.g. 2026-11)");
        }
        long start = m.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
        long end = m.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli() - 1;
        return q.append("&from=").append(start).append("&to=").append(end).toString();
      }
      if (from != null) {
        q.append("&from=").append(millis("--from", from, false));
      }
      if (to != null) {
        q.append("&to=").append(millis("--to", to, true));
      }
      return q.toString();
    }

    /** A date (its first millisecond, or with {@code endOfDay} its last) or an instant, in epoch ms. */
    private static long millis(String option, String value, boolean endOfDay) {
      try {
        if (value.length() == 10) {
          LocalDate day = LocalDate.parse(value);
          long start = day.atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
          return endOfDay ? start + 86_400_000L - 1 : start;
        }
        return Instant.parse(value).toEpochMilli();
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(option + ": " + value + " (expected: a date such as 2026-11-01 or an ISO-8601 instant)");
      }
    }
  }
}
