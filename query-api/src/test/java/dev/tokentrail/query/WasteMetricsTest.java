package dev.tokentrail.query;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tokentrail.analysis.WasteEngine;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.CallReader;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;
import dev.tokentrail.store.TraceOutcome;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The metrics job: a tenant whose lookback window is too large for the heap is skipped, counted and logged once; the others go on. */
class WasteMetricsTest {
  private static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");

  /** {@code n} failed-then-retried gpt-4o calls of one request (so retry waste exists), in the last hour. */
  private static CallTable calls(int n) {
    CallTable t = new CallTable();
    for (int i = 0; i < n; i++) {
      int row = t.addRow();
      t.setIds(row, 0, 1, i + 1, 99);
      long start = NOW.minusSeconds(600 - i).toEpochMilli() * 1_000_000L;
      t.setTimes(row, start, start + 1_000_000L);
      t.setTokens(row, 1000, 100, -1, -1, -1);
      t.setCost(row, 0.01);
      t.setText(row, Text.PROVIDER, "openai");
      t.setText(row, Text.MODEL, "gpt-4o");
      t.setText(row, Text.SERVICE, "svc");
      t.setText(row, Text.REQUEST_HASH, "same-request");
      if (i < n - 1) {
        t.setText(row, Text.ERROR_TYPE, "500");
      }
    }
    return t;
  }

  /** The sum of the tenant's data points of a metric (every label besides tenant); NaN when it has none. */
  private static double value(PrometheusRegistry registry, String name, String tenant) {
    double sum = Double.NaN;
    for (MetricSnapshot m : registry.scrape()) {
      if (m.getMetadata().getPrometheusName().equals(name) || m.getMetadata().getName().equals(name)) {
        for (DataPointSnapshot p : m.getDataPoints()) {
          if (tenant.equals(p.getLabels().get("tenant"))) {
            double v = m instanceof CounterSnapshot ? ((CounterSnapshot.CounterDataPointSnapshot) p).getValue()
                : ((GaugeSnapshot.GaugeDataPointSnapshot) p).getValue();
            sum = Double.isNaN(sum) ? v : sum + v;
          }
        }
      }
    }
    return sum;
  }

  @Test
  void aTenantWithMoreCallsThanAnAnalysisMayReadIsSkippedCountedAndLoggedOnce() {
    Map<String, CallTable> byTenant = Map.of("big", calls(6), "small", calls(3));
    CallReader reader = new CallReader() {
      @Override
      public CallTable llmCalls(String tenant, CallFilter filter) {
        return byTenant.get(tenant);
      }

      @Override
      public Map<TraceId, TraceOutcome> outcomes(String tenant, long fromEpochNanos, long toEpochNanos) {
        return Map.of();
      }
    };
    WasteEngine engine = WasteEngine.builder(reader, PriceCatalog.builtIn()).clock(Clock.fixed(NOW, ZoneOffset.UTC))
        .maxCalls(5).build();
    PrometheusRegistry registry = new PrometheusRegistry();
    WasteMetrics metrics = WasteMetrics.manual(engine, registry, Duration.ofHours(1), () -> List.of("big", "small"));
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    Logger logger = (Logger) LoggerFactory.getLogger(WasteMetrics.class);
    log.start();
    logger.addAppender(log);
    try {
      metrics.runOnce();
      metrics.runOnce();
    } finally {
      logger.detachAppender(log);
    }

    assertThat(value(registry, "tokentrail_waste_analysis_skipped", "big")).isEqualTo(2);
    assertThat(value(registry, "tokentrail_waste_analysis_skipped", "small")).isNaN();
    assertThat(value(registry, "tokentrail_waste_usd", "small")).isPositive(); // the other tenant was analyzed
    List<String> warnings = new ArrayList<>();
    for (ILoggingEvent e : log.list) {
      if (e.getLevel() == Level.WARN) {
        warnings.add(e.getFormattedMessage());
      }
    }
    assertThat(warnings).singleElement().satisfies(w -> assertThat(w)
        .contains("tenant big").contains("more than 5 LLM calls").contains("keep their last values"));
  }
}
