package dev.tokentrail.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a JFR recording's CPU samples went: the hottest methods by samples on top of the stack
 * (self time), and the hottest TokenTrail methods anywhere on the stack (time spent in them and
 * what they call), from {@code jdk.ExecutionSample} events.
 */
final class JfrSummary {
  private JfrSummary() {}

  static String summarize(Path recording, int top) throws IOException {
    Map<String, Integer> self = new HashMap<>();
    Map<String, Integer> inclusive = new HashMap<>();
    Map<String, Integer> threads = new HashMap<>();
    int samples = 0;
    try (RecordingFile file = new RecordingFile(recording)) {
      while (file.hasMoreEvents()) {
        RecordedEvent event = file.readEvent();
        if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null) {
          continue;
        }
        samples++;
        List<RecordedFrame> frames = event.getStackTrace().getFrames();
        if (!frames.isEmpty()) {
          self.merge(name(frames.get(0).getMethod()), 1, Integer::sum);
        }
        Set<String> seen = new HashSet<>();
        for (RecordedFrame frame : frames) {
          String method = name(frame.getMethod());
          if (method.startsWith("dev.tokentrail.") && !method.contains("$$Lambda") && seen.add(method)) {
            inclusive.merge(method, 1, Integer::sum);
          }
        }
        String thread = event.getThread("sampledThread") != null ? event.getThread("sampledThread").getJavaName() : "?";
        threads.merge(thread == null ? "?" : thread.replaceAll("[-#]?\\d+", "-N"), 1, Integer::sum);
      }
    }
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "jfr: %d execution samples in %s%n", samples, recording));
    append(out, "top frames (self)", self, samples, top);
    append(out, "TokenTrail methods on the stack (inclusive)", inclusive, samples, top);
    append(out, "threads", threads, samples, 8);
    return out.toString();
  }

  private static void append(StringBuilder out, String title, Map<String, Integer> counts, int total, int top) {
    out.append("  ").append(title).append(":\n");
    counts.entrySet().stream()
        .sorted((a, b) -> b.getValue() - a.getValue())
        .limit(top)
        .forEach(e -> out.append(String.format(Locale.ROOT, "    %5.1f%%  %s%n", 100.0 * e.getValue() / Math.max(1, total), e.getKey())));
  }

  private static String name(RecordedMethod method) {
    return method.getType().getName() + "." + method.getName();
  }
}
