package dev.tokentrail.store.opensearch.testing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenSearchNodeTest {
  @TempDir Path dir;

  @Test
  void aJavaHomeWithoutAJdkIsRefusedBeforeAnythingStarts() throws IOException {
    Path notAJdk = Files.createDirectories(dir.resolve("not-a-jdk"));
    OpenSearchNode.Config config = OpenSearchNode.Config.singleNode(dir.resolve("missing.zip"), dir.resolve("work"), notAJdk);

    assertThatThrownBy(() -> OpenSearchNode.start(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("javaHome: " + notAJdk);
  }

  @Test
  void aNodeThatExitsWhileStartingFailsWithItsOutput() throws IOException {
    // As root the node would run through runuser as a system user created on demand; not in a unit test.
    assumeFalse("root".equals(System.getProperty("user.name")), "runs only as an unprivileged user");
    Path home = Files.createDirectories(dir.resolve("fake-home").resolve("bin"));
    Path script = home.resolve("opensearch");
    Files.writeString(script, "#!/bin/sh\necho 'fatal: this is not OpenSearch'\nexit 3\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    OpenSearchNode.Config config =
        new OpenSearchNode.Config(home.getParent(), dir.resolve("work"), Path.of(System.getProperty("java.home")), "64m",
            "unused", true, Map.of(), Duration.ofSeconds(20));

    assertThatThrownBy(() -> OpenSearchNode.start(config))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("exited with 3")
        .hasMessageContaining("fatal: this is not OpenSearch");
  }
}
