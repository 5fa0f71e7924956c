package dev.tokentrail.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Real (input, output) token pairs to draw LLM calls from: the Azure LLM inference trace 2023
 * (Patel et al., "Splitwise", ISCA 2024; CC-BY-4.0) as {@code TIMESTAMP,ContextTokens,
 * GeneratedTokens} CSV, or the Mooncake FAST'25 trace as JSON lines with {@code input_length} and
 * {@code output_length}. Without a file, a fixed synthetic distribution stands in.
 */
public final class TokenCounts {
  /**
   * The default: the first 5,000 requests of the Azure conversation trace, shipped in this module
   * with its license (resources/dev/tokentrail/benchmarks/README.md).
   */
  public static final String DEFAULT_FILE = "classpath:AzureLLMInferenceTrace_conv-5000.csv";

  static final String PROPERTY = "tokentrail.tokenTrace";

  private final int[] input;
  private final int[] output;
  private final String source;

  private TokenCounts(int[] input, int[] output, String source) {
    this.input = input;
    this.output = output;
    this.source = source;
  }

  /** The file named by the system property {@value #PROPERTY}, else {@link #DEFAULT_FILE}. */
  public static TokenCounts fromSystemProperty() {
    return load(System.getProperty(PROPERTY, DEFAULT_FILE));
  }

  /** Loads {@code file} when it exists, else the synthetic distribution (and says so). */
  public static TokenCounts load(String file) {
    if (file.startsWith("classpath:")) {
      String name = file.substring("classpath:".length());
      java.io.InputStream in = TokenCounts.class.getResourceAsStream(name);
      if (in == null) {
        throw new IllegalStateException("token trace resource missing: " + name);
      }
      try (BufferedReader r = new BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
        return readCsv(r, name);
      } catch (IOException e) {
        throw new UncheckedIOException("token trace " + name + ": " + e.getMessage(), e);
      }
    }
    Path path = Path.of(file);
    if (!Files.isRegularFile(path)) {
      System.err.println("token trace " + path.toAbsolutePath() + " not found; using a synthetic distribution");
      return synthetic();
    }
    try {
      return file.endsWith(".jsonl") ? readJsonLines(path) : readCsv(path);
    } catch (IOException e) {
      throw new UncheckedIOException("token trace " + path + ": " + e.getMessage(), e);
    }
  }

  private static TokenCounts readCsv(Path path) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      return readCsv(r, path.getFileName().toString());
    }
  }

  private static TokenCounts readCsv(BufferedReader r, String source) throws IOException {
    IntList in = new IntList();
    IntList out = new IntList();
    String header = r.readLine();
    if (header == null || !header.contains("ContextTokens")) {
      throw new IOException("expected the header TIMESTAMP,ContextTokens,GeneratedTokens, got " + header);
    }
    for (String line = r.readLine(); line != null; line = r.readLine()) {
      String[] cols = line.split(",");
      if (cols.length >= 3) {
        in.add(Integer.parseInt(cols[1].trim()));
        out.add(Integer.parseInt(cols[2].trim()));
      }
    }
    return of(in, out, source);
  }

  private static TokenCounts readJsonLines(Path path) throws IOException {
    IntList in = new IntList();
    IntList out = new IntList();
    try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        int i = intField(line, "\"input_length\":");
        int o = intField(line, "\"output_length\":");
        if (i >= 0 && o >= 0) {
          in.add(i);
          out.add(o);
        }
      }
    }
    return of(in, out, path.getFileName().toString());
  }

  private static int intField(String line, String key) {
    int at = line.indexOf(key);
    if (at < 0) {
      return -1;
    }
    int i = at + key.length();
    while (i < line.length() && line.charAt(i) == ' ') {
      i++;
    }
    int value = 0;
    int start = i;
    while (i < line.length() && Character.isDigit(line.charAt(i))) {
      value = value * 10 + (line.charAt(i++) - '0');
    }
    return i == start ? -1 : value;
  }

  private static TokenCounts of(IntList in, IntList out, String source) {
    if (in.size == 0) {
      throw new IllegalArgumentException("token trace " + source + ": no rows");
    }
    return new TokenCounts(in.toArray(), out.toArray(), source + " (" + in.size + " calls)");
  }

  /** Log-normal-ish counts with the Azure conversation trace's rough medians (~1k in, ~130 out). */
  static TokenCounts synthetic() {
    SplittableRandom random = new SplittableRandom(42);
    int n = 4096;
    int[] in = new int[n];
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      in[i] = (int) Math.min(32_000, Math.round(Math.exp(7.0 + 1.0 * gaussian(random))));
      out[i] = (int) Math.max(1, Math.min(4_000, Math.round(Math.exp(4.8 + 0.9 * gaussian(random)))));
    }
    return new TokenCounts(in, out, "synthetic log-normal (" + n + " calls)");
  }

  private static double gaussian(SplittableRandom random) {
    return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
  }

  int size() {
    return input.length;
  }

  int input(int row) {
    return input[row];
  }

  int output(int row) {
    return output[row];
  }

  public String source() {
    return source;
  }

  private static final class IntList {
    int[] values = new int[1024];
    int size;

    void add(int v) {
      if (size == values.length) {
        values = java.util.Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    int[] toArray() {
      return java.util.Arrays.copyOf(values, size);
    }
  }
}
