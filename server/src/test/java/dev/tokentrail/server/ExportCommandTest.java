package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.Server;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ExportCommandTest {
  private static final String CSV = "BilledCost,BillingAccountId\r\n0.027,single-tenant\r\n";
  private final AtomicReference<String> query = new AtomicReference<>();
  private Server server;

  private record Run(int exit, String out, String err) {}

  @BeforeEach
  void start() {
    server = Server.builder().http(0)
        .service("/api/v1/focus", (ctx, req) -> {
          query.set(ctx.query());
          return HttpResponse.of(ResponseHeaders.builder(HttpStatus.OK).contentType(MediaType.parse("text/csv"))
              .add("tokentrail-calls-left-out", "3").build(), com.linecorp.armeria.common.HttpData.ofUtf8(CSV));
        })
        .build();
    server.start().join();
  }

  @AfterEach
  void stop() {
    server.stop().join();
  }

  private Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ExportCommand.Focus command = new ExportCommand.Focus();
    command.out = new PrintStream(out, true, StandardCharsets.UTF_8);
    command.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    String[] all = new String[args.length + 2];
    all[0] = "--endpoint";
    all[1] = "http://127.0.0.1:" + server.activeLocalPort();
    System.arraycopy(args, 0, all, 2, args.length);
    int exit = new CommandLine(command).execute(all);
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aMonthIsItsUtcCalendarMonthAndTheCsvGoesToStandardOutputAsIs() {
    Run run = run("--month", "2026-11");

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).isEqualTo(CSV);
    assertThat(query.get()).isEqualTo("granularity=day&format=csv&from=" + Instant.parse("2026-11-01T00:00:00Z").toEpochMilli()
        + "&to=" + (Instant.parse("2026-12-01T00:00:00Z").toEpochMilli() - 1));
    assertThat(run.err()).contains("3 billed calls are not in the export", "tokentrail prices --unknown");
  }

  @Test
  void datesCoverWholeUtcDaysAndInstantsAreTakenAsTheyAre() {
    assertThat(run("--from", "2026-11-01", "--to", "2026-11-02", "--granularity", "hour").exit()).isZero();
    assertThat(query.get()).isEqualTo("granularity=hour&format=csv&from=" + Instant.parse("2026-11-01T00:00:00Z").toEpochMilli()
        + "&to=" + (Instant.parse("2026-11-03T00:00:00Z").toEpochMilli() - 1));

    assertThat(run("--from", "2026-11-01T06:00:00Z", "--format", "json").exit()).isZero();
    assertThat(query.get()).isEqualTo("granularity=day&format=json&from=" + Instant.parse("2026-11-01T06:00:00Z").toEpochMilli());
  }

  @Test
  void badOptionsAreNamedWithExitCode2() {
    assertThat(run("--month", "November").err()).contains("--month: November (expected: YYYY-MM");
    assertThat(run("--month", "2026-11", "--from", "2026-11-01").err()).contains("--month: cannot be combined");
    Run granularity = run("--granularity", "week");
    assertThat(granularity.exit()).isEqualTo(2);
    assertThat(granularity.err()).contains("--granularity: week (expected: hour, day or month)");
    assertThat(run("--to", "yesterday").err()).contains("--to: yesterday");
  }
}
