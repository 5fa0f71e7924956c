package dev.tokentrail.store.conformance;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanStore;
import dev.tokentrail.store.Tenants;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The base of every contract: a fresh store per test from the subclass's {@link StoreHarness},
 * closed afterwards, and helpers to write spans and read once they are visible.
 */
public abstract class StoreContract {
  protected static final String TENANT = Tenants.DEFAULT;
  protected static final long T0 = TestSpans.T0;
  protected static final long SECOND = TestSpans.SECOND;
  protected static final long MINUTE = TestSpans.MINUTE;
  protected static final long DAY = TestSpans.DAY;

  protected final TestSpans spans = new TestSpans();
  protected StoreHarness harness;
  protected SpanStore store;

  /** A harness for one test; the suite closes it after the test. */
  protected abstract StoreHarness harness();

  /** The options the test's store is opened with. */
  protected StoreOptions options() {
    return StoreOptions.defaults();
  }

  @BeforeEach
  void openStore() {
    harness = harness();
    store = harness.open(options());
  }

  @AfterEach
  void closeStore() {
    try {
      if (store != null) {
        store.close();
      }
    } finally {
      harness.close();
    }
  }

  /** Writes spans (their calls read back from their canonical attributes) and waits for the acknowledgement. */
  protected List<IngestedSpan> write(Span... batch) {
    return write(TENANT, StoredCalls.ingested(List.of(batch)));
  }

  protected List<IngestedSpan> write(String tenant, List<IngestedSpan> batch) {
    try {
      store.accept(tenant, batch).get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("write refused: " + e.getCause(), e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("write not acknowledged: " + e, e);
    }
    return batch;
  }

  /** Writes spans and waits until reads see them. */
  protected void writeVisible(Span... batch) {
    awaitVisible(write(batch));
  }

  protected void writeVisible(List<IngestedSpan> batch) {
    awaitVisible(write(TENANT, batch));
  }

  protected void awaitVisible(List<IngestedSpan> written) {
    harness.awaitVisible(store, TENANT, written);
  }

  /** Polls {@code check} within the harness's visibility bound. */
  protected void eventually(Polling.Check check) {
    Polling.await(harness.visibilityBound(), check);
  }

  protected List<TraceMatch> search(SpanFilter filter) {
    return store.search(TENANT, TraceSearch.of(filter, 0, 0, 100));
  }

  protected List<TraceMatch> search(TraceSearch search) {
    return store.search(TENANT, search);
  }

  /** The trace ids of matches, in their order. */
  protected static List<TraceId> ids(List<TraceMatch> matches) {
    List<TraceId> out = new ArrayList<>();
    for (TraceMatch m : matches) {
      out.add(m.summary().traceId());
    }
    return out;
  }

  protected static TraceMatch only(List<TraceMatch> matches) {
    if (matches.size() != 1) {
      throw new AssertionError("expected one trace, got " + ids(matches));
    }
    return matches.get(0);
  }
}
