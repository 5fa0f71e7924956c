package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TopCommandTest {
  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    TopCommand command = new TopCommand();
    command.out = new PrintStream(out, true, StandardCharsets.UTF_8);
    command.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    int exit = new CommandLine(command).execute(args);
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void namesTheCauseWhenItCannotConnect() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Run run = run("--endpoint", "http://127.0.0.1:" + port);
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("tokentrail top: cannot reach http://127.0.0.1:" + port + " (connection refused)",
        "tokentrail serve", "--endpoint").doesNotContain("null");
  }

  @Test
  void anUnknownHostAndABadEndpointAreNamed() {
    Run unknown = run("--endpoint", "http://no-such-host.invalid:3200");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("cannot reach http://no-such-host.invalid:3200 (unknown host)");

    Run bad = run("--endpoint", "localhost:3200");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("--endpoint: localhost:3200 (expected: the server's query API URL");
  }

  @Test
  void aServerErrorIsPrintedAsItsMessage() {
    Server server = Server.builder().http(0)
        .service("/api/v1/traces/top", (ctx, req) -> HttpResponse.of(HttpStatus.BAD_REQUEST, MediaType.JSON_UTF_8,
            "{\"error\":\"q: unexpected '}' at 3\"}"))
        .build();
    server.start().join();
    try {
      Run run = run("--endpoint", "http://127.0.0.1:" + server.activeLocalPort() + "/", "--query", "{ }}");
      assertThat(run.exit()).isEqualTo(2);
      assertThat(run.err()).isEqualTo("tokentrail top: 400: q: unexpected '}' at 3" + System.lineSeparator());
    } finally {
      server.stop().join();
    }
  }
}
