package dev.tokentrail.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.util.JsonFormat;
import dev.tokentrail.model.Span;
import dev.tokentrail.otlp.OtlpJson;
import dev.tokentrail.otlp.OtlpSpans;
import dev.tokentrail.pricing.PriceCatalog;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * OTLP/JSON request parsing, per span of a 512-span request: TokenTrail's streaming decoder ({@link
 * OtlpJson#parseTraces}) against the way it used to work (Jackson tree, ids rewritten, the tree
 * written back to a string and parsed again by protobuf's {@link JsonFormat}), on the same bytes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class OtlpJsonBenchmark {
  private static final int BATCH = 512;
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFormat.Parser PROTOBUF = JsonFormat.parser().ignoringUnknownFields();

  byte[] otlpJson;
  byte[] base64Json;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Workload workload = new Workload(TokenCounts.fromSystemProperty(), PriceCatalog.builtIn(), 7);
    List<Span> spans = workload.spans(Workload.Kind.MIX, BATCH, 1_765_000_000_000_000_000L);
    ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
        .addAllResourceSpans(OtlpSpans.encode(spans).getResourceSpansList()).build();
    String printed = JsonFormat.printer().omittingInsignificantWhitespace().print(request);
    base64Json = printed.getBytes(StandardCharsets.UTF_8);
    com.fasterxml.jackson.databind.JsonNode tree = MAPPER.readTree(printed);
    hexIds(tree);
    otlpJson = MAPPER.writeValueAsBytes(tree);
  }

  /** TokenTrail's decoder: token stream straight into the protobuf builders. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public ExportTraceServiceRequest streaming() throws Exception {
    return OtlpJson.parseTraces(otlpJson);
  }

  /** The former path: tree, then the tree as a string, parsed again by protobuf's JSON parser. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public ExportTraceServiceRequest treeThenProtobufJsonFormat() throws Exception {
    com.fasterxml.jackson.databind.JsonNode tree = MAPPER.readTree(base64Json);
    ExportTraceServiceRequest.Builder builder = ExportTraceServiceRequest.newBuilder();
    PROTOBUF.merge(MAPPER.writeValueAsString(tree), builder);
    return builder.build();
  }

  private static void hexIds(com.fasterxml.jackson.databind.JsonNode node) {
    if (node instanceof com.fasterxml.jackson.databind.node.ObjectNode object) {
      for (java.util.Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        com.fasterxml.jackson.databind.JsonNode value = object.get(name);
        if (value.isTextual() && (name.equals("traceId") || name.equals("spanId") || name.equals("parentSpanId"))) {
          object.put(name, java.util.HexFormat.of().formatHex(java.util.Base64.getDecoder().decode(value.asText())));
        } else {
          hexIds(value);
        }
      }
    } else if (node.isArray()) {
      node.forEach(OtlpJsonBenchmark::hexIds);
    }
  }
}
