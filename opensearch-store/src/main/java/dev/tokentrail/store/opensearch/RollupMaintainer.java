package dev.tokentrail.store.opensearch;

import com.linecorp.armeria.common.HttpMethod;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps rollup documents in step with the spans, off the acknowledgement path: every acknowledged
 * bulk marks the traces it touched; one background thread takes the marked traces in rounds (at
 * most one per {@code pace}), refreshes the span indices so the round sees every acknowledged span,
 * and rewrites their rollups from doc values ({@link TraceRollups}). A trace is therefore found by
 * searches within about one pace plus a round after its spans were acknowledged. A round that fails
 * (cluster unreachable) keeps its traces marked and is retried; the first failure of a run of
 * them is logged, and the recovery. Marks live in this process only:
 * a process ending between an acknowledgement and the next round leaves those rollups stale until
 * the trace is written again.
 */
final class RollupMaintainer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RollupMaintainer.class);
  private static final int TRACES_PER_ROUND = 5000;

  private final OpenSearchClient client;
  private final IndexTemplates indices;
  private final TraceRollups rollups;
  private final long paceNanos;
  private final boolean waitForRefresh;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition marked = lock.newCondition();
  private final Map<String, Set<String>> pending = new HashMap<>();
  private int pendingCount;
  /** Traces of the round being written (pending too: their rollups are not rewritten yet). */
  private int inRound;
  /** Whether the last round failed (the rollup thread's own). */
  private boolean failing;
  private final Thread thread;
  private volatile boolean closing;

  RollupMaintainer(OpenSearchClient client, IndexTemplates indices, TraceRollups rollups, Duration pace,
      boolean waitForRefresh) {
    this.client = client;
    this.indices = indices;
    this.rollups = rollups;
    this.paceNanos = pace.toNanos();
    this.waitForRefresh = waitForRefresh;
    this.thread = new Thread(this::run, "opensearch-rollups");
    thread.setDaemon(true);
    thread.start();
  }

  /** Marks traces whose spans changed (called once their bulk was acknowledged). */
  void mark(String tenant, Set<String> traceIds) {
    lock.lock();
    try {
      Set<String> set = pending.computeIfAbsent(tenant, t -> new LinkedHashSet<>());
      for (String id : traceIds) {
        if (set.add(id)) {
          pendingCount++;
        }
      }
      marked.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Traces marked and not yet rolled up, those of the round being written included. */
  int pending() {
    lock.lock();
    try {
      return pendingCount + inRound;
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    long lastRound = 0;
    while (true) {
      Map<String, Set<String>> round;
      lock.lock();
      try {
        while (pendingCount == 0 && !closing) {
          marked.await();
        }
        if (pendingCount == 0) {
          return;
        }
        long wait = lastRound + paceNanos - System.nanoTime();
        if (wait > 0 && !closing) {
          marked.awaitNanos(wait); // let more traces gather; a round refreshes the indices
          continue;
        }
        round = take();
      } catch (InterruptedException e) {
        return;
      } finally {
        lock.unlock();
      }
      lastRound = System.nanoTime();
      try {
        roll(round);
        endRound();
        if (failing) {
          LOG.info("trace rollups are written again");
          failing = false;
        }
      } catch (RuntimeException e) {
        if (!failing) {
          LOG.warn("trace rollups not written, retried each round until they are (searches miss traces whose"
              + " rollup is stale meanwhile): {}", e.toString());
          failing = true;
        }
        round.forEach(this::mark); // retried next round
        endRound();
        if (closing) {
          return;
        }
        sleep(Math.max(paceNanos, TimeUnit.MILLISECONDS.toNanos(500)));
      }
    }
  }

  private Map<String, Set<String>> take() {
    Map<String, Set<String>> round = new HashMap<>();
    int taken = 0;
    var tenants = pending.entrySet().iterator();
    while (tenants.hasNext() && taken < TRACES_PER_ROUND) {
      var e = tenants.next();
      Set<String> out = round.computeIfAbsent(e.getKey(), t -> new LinkedHashSet<>());
      var ids = e.getValue().iterator();
      while (ids.hasNext() && taken < TRACES_PER_ROUND) {
        out.add(ids.next());
        ids.remove();
        taken++;
      }
      if (e.getValue().isEmpty()) {
        tenants.remove();
      }
    }
    pendingCount -= taken;
    inRound = taken;
    return round;
  }

  private void endRound() {
    lock.lock();
    try {
      inRound = 0;
    } finally {
      lock.unlock();
    }
  }

  private void roll(Map<String, Set<String>> round) {
    client.send(HttpMethod.POST,
        "/" + indices.spanIndexPattern() + "/_refresh?ignore_unavailable=true&allow_no_indices=true", null);
    round.forEach((tenant, ids) -> rollups.update(tenant, ids, waitForRefresh));
  }

  private static void sleep(long nanos) {
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Rolls up what is still marked (as far as the cluster answers), then stops. */
  @Override
  public void close() {
    lock.lock();
    try {
      closing = true;
      marked.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
