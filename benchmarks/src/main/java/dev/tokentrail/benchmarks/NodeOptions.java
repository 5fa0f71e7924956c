package dev.tokentrail.benchmarks;

import dev.tokentrail.store.opensearch.testing.OpenSearchNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options that say which OpenSearch node to start ({@link OpenSearchNode}), shared by the
 * harnesses that run against one node of their own ({@code @Mixin}), and starting it.
 */
final class NodeOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  @Option(names = "--opensearch-zip", description = "The integ-test distribution (default: benchmarks/target/opensearch/opensearch-*.zip).")
  Path zip;

  @Option(names = "--opensearch-heap", defaultValue = "1g", description = "Node heap (default ${DEFAULT-VALUE}).")
  String heap;

  /** The distribution to run; a usage error naming how to fetch it when there is none. */
  Path distribution() throws IOException {
    Path distribution = zip != null ? zip : SideBySide.defaultZip();
    if (distribution == null) {
      throw new CommandLine.ParameterException(command.commandLine(), "no distribution in benchmarks/target/opensearch; fetch it"
          + " with `mvn -B -q -Popensearch -DskipTests package -pl benchmarks -am`, or pass --opensearch-zip");
    }
    return distribution;
  }

  /** Starts a single node of {@code distribution} in {@code work} (a fresh directory), with this JVM's JDK. */
  OpenSearchNode start(Path distribution, Path work) throws IOException, InterruptedException {
    OpenSearchNode.Config defaults = OpenSearchNode.Config.singleNode(distribution, work, Path.of(System.getProperty("java.home")));
    return OpenSearchNode.start(new OpenSearchNode.Config(distribution, work, defaults.javaHome(), heap, defaults.runAsUser(), true,
        Map.of(), defaults.startTimeout()));
  }
}
