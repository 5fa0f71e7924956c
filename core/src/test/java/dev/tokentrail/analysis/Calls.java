package dev.tokentrail.analysis;

import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;
import dev.tokentrail.model.Attribution;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.genai.CostCalculator;
import dev.tokentrail.genai.FixtureCatalog;
import dev.tokentrail.pricing.PriceCatalog;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A small fluent fixture that builds a {@link CallTable} the way the store fills it. Each {@link
 * #call} appends a row; the modifiers after it ({@link #error}, {@link #hash}, {@link #at}, ...)
 * apply to that row. Unless {@link #cost} is given, a call with usage is priced by the fixture
 * catalog (src/test/resources/fixture-catalog.yaml, see {@link FixtureCatalog}) at its start day
 * (as ingest does), and a call without usage or on an unknown model is unpriced ({@code NaN}).
 *
 * <pre>{@code
 * CallTable t = new Calls().trace(1)
 *     .call("fx-frontier", 0, 0).noUsage().error("429").took(200)
 *     .call("fx-frontier", 1000, 100)
 *     .table();
 * }</pre>
 */
final class Calls {
  static final PriceCatalog CATALOG = FixtureCatalog.CATALOG;
  /** 2026-11-20T10:00:00Z: the default start of the first call. */
  static final long BASE_MILLIS = Instant.parse("2026-11-20T10:00:00Z").toEpochMilli();
  /** The parent span of calls unless {@link #parent} says otherwise. */
  static final long DEFAULT_PARENT = 0xAL;

  private final CallTable table = new CallTable();
  private final List<Boolean> explicitCost = new ArrayList<>();
  private long traceLo = 1;
  private long parent = DEFAULT_PARENT;
  private String service = "svc";
  private long nextSpanId = 0x100;
  private long nextStartMillis = BASE_MILLIS;
  private int row = -1;

  /** The trace id of {@link #trace(long) trace(n)}. */
  static TraceId traceId(long n) {
    return new TraceId(0, n);
  }

  static long millis(String isoInstant) {
    return Instant.parse(isoInstant).toEpochMilli();
  }

  /** Following calls belong to trace {@code n} (see {@link #traceId}) under the default parent. */
  Calls trace(long n) {
    traceLo = n;
    parent = DEFAULT_PARENT;
    return this;
  }

  /** The current call was answered on the client SDK's attempt {@code attempt} (0 = first try). */
  Calls answeredOnAttempt(long attempt) {
    table.setRetryAttempt(row, attempt);
    return this;
  }

  /** Following calls are made by {@code name}. */
  Calls inService(String name) {
    service = name;
    return this;
  }

  /**
   * Appends a successful {@code chat} call of the fixture provider's {@code model} with the given
   * token counts ({@code -1} = not reported), one second after the previous call's start.
   */
  Calls call(String model, long in, long out) {
    return call(FixtureCatalog.PROVIDER, model, in, out);
  }

  Calls call(String provider, String model, long in, long out) {
    row = table.addRow();
    explicitCost.add(false);
    table.setIds(row, 0, traceLo, nextSpanId++, parent);
    table.setTokens(row, in, out, -1, -1, -1);
    table.setText(row, Text.SERVICE, service);
    table.setText(row, Text.PROVIDER, provider);
    table.setText(row, Text.MODEL, model);
    table.setText(row, Text.OPERATION, "chat");
    table.setText(row, Text.SPAN_NAME, "chat " + model);
    setStart(nextStartMillis, 1000);
    return this;
  }

  // Modifiers of the last call.

  Calls at(long startMillis) {
    return setStart(startMillis, (table.end(row) - table.start(row)) / 1_000_000L);
  }

  Calls at(String isoInstant) {
    return at(millis(isoInstant));
  }

  Calls took(long durationMillis) {
    return setStart(table.start(row) / 1_000_000L, durationMillis);
  }

  private Calls setStart(long startMillis, long durationMillis) {
    table.setTimes(row, startMillis * 1_000_000L, (startMillis + durationMillis) * 1_000_000L);
    nextStartMillis = startMillis + 1000;
    return this;
  }

  Calls parent(long parentSpanId) {
    table.setIds(row, table.traceHi(row), table.traceLo(row), table.spanId(row), parentSpanId);
    return this;
  }

  /** The current call's span id, instead of the next in sequence. */
  Calls spanId(long id) {
    table.setIds(row, table.traceHi(row), table.traceLo(row), id, table.parentId(row));
    return this;
  }

  Calls cacheRead(long tokens) {
    table.setTokens(row, table.input(row), table.output(row), tokens, table.cacheWrite(row), table.reasoning(row));
    return this;
  }

  Calls cacheWrite(long tokens) {
    table.setTokens(row, table.input(row), table.output(row), table.cacheRead(row), tokens, table.reasoning(row));
    return this;
  }

  Calls reasoning(long tokens) {
    table.setTokens(row, table.input(row), table.output(row), table.cacheRead(row), table.cacheWrite(row), tokens);
    return this;
  }

  Calls costCenter(String name) {
    table.setText(row, Text.COST_CENTER, name);
    return this;
  }

  Calls feature(String name) {
    table.setText(row, Text.FEATURE, name);
    return this;
  }

  /** The provider reported no usage (a rejected request: 429, connection reset, ...). */
  Calls noUsage() {
    table.setTokens(row, -1, -1, -1, -1, -1);
    return this;
  }

  Calls error(String type) {
    table.setText(row, Text.ERROR_TYPE, type);
    return this;
  }

  Calls hash(String requestHash) {
    table.setText(row, Text.REQUEST_HASH, requestHash);
    return this;
  }

  /** The call sent a cacheable prefix ({@code tokentrail.prefix.hash}) of {@code tokens} tokens. */
  Calls prefix(String hash, long tokens) {
    table.setText(row, Text.PREFIX_HASH, hash);
    table.setPrefixTokens(row, tokens);
    return this;
  }

  Calls conversation(String id) {
    table.setText(row, Text.CONVERSATION, id);
    return this;
  }

  Calls task(String name) {
    table.setText(row, Text.TASK, name);
    return this;
  }

  Calls operation(String name) {
    table.setText(row, Text.OPERATION, name);
    return this;
  }

  Calls tools() {
    table.setTools(row, true);
    return this;
  }

  Calls team(String name) {
    table.setText(row, Text.TEAM, name);
    return this;
  }

  Calls project(String name) {
    table.setText(row, Text.PROJECT, name);
    return this;
  }

  /** The cost on the span, instead of the catalog's. */
  Calls cost(double usd) {
    table.setCost(row, usd);
    explicitCost.set(row, true);
    return this;
  }

  /** The table, with catalog costs filled in for calls without an explicit {@link #cost}. */
  CallTable table() {
    CostCalculator calculator = new CostCalculator(CATALOG);
    for (int r = 0; r < table.size(); r++) {
      if (explicitCost.get(r)) {
        continue;
      }
      LlmCall call = new LlmCall(table.text(r, Text.OPERATION), table.text(r, Text.PROVIDER),
          table.text(r, Text.MODEL), null, table.input(r), table.output(r), table.cacheRead(r),
          table.cacheWrite(r), table.reasoning(r), LlmCall.UNKNOWN, LlmCall.UNKNOWN, LlmCall.UNKNOWN,
          null, table.text(r, Text.ERROR_TYPE), Double.NaN,
          Attribution.NONE, null, null, Double.NaN, 0, null, null, -1, false, null);
      table.setCost(r, calculator.price(call, table.start(r)).totalUsd());
    }
    return table;
  }
}
