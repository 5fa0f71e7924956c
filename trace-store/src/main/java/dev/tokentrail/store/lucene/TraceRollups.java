package dev.tokentrail.store.lucene;

import dev.tokentrail.model.ExactSum;
import dev.tokentrail.model.Saturating;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.TraceSummary;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.DoubleField;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KeywordField;
import org.apache.lucene.document.LongField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.SimpleCollector;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.NumericUtils;

/**
 * Trace rollups: one document per trace (fields prefixed {@code t.}) summarizing its spans, kept
 * in the partition of its earliest span. Recomputed from span doc values whenever spans of the
 * trace arrive, so duplicates, late spans and log replay all converge to the same summary.
 */
final class TraceRollups {
  static final String TYPE_TRACE = "trace";
  static final String T_TRACE_ID = "t.trace_id";
  static final String T_START = "t.start_ns";
  static final String T_DURATION = "t.duration_ns";
  static final String T_COST = "t.cost";
  static final String T_TOKENS = "t.tokens";
  static final String T_LLM_CALLS = "t.llm_calls";
  static final String T_ROOT_SERVICE = "t.root_service";
  static final String T_ROOT_NAME = "t.root_name";
  static final String T_MODEL = "t.model";
  static final String T_TEAM = "t.team";
  static final String T_PROJECT = "t.project";
  static final String T_SUMMARY = "t.summary";

  private TraceRollups() {}

  /**
   * Span facts of one trace: from a search over its spans (a full recompute), from spans as they
   * are indexed (a delta), or read back from a stored rollup; deltas merge into stored state. The
   * picks follow the contract: root service and name of the earliest root span, else of the
   * earliest span; team and project each of the earliest-starting call naming one; ties to the
   * smaller span id.
   */
  static final class Accumulator {
    final TraceId traceId;
    long start = Long.MAX_VALUE;
    long end = Long.MIN_VALUE;
    int spans;
    int llmCalls;
    int errors;
    /** Exact: deltas merged in any order give the cost summed from the spans (and the reference's). */
    final ExactSum cost = new ExactSum();
    long input;
    long output;
    final Pick root = new Pick();
    final Pick first = new Pick();
    final TreeSet<String> models = new TreeSet<>();
    final Pick team = new Pick();
    final Pick project = new Pick();
    /** Partition holding the earliest span. */
    Partition home;

    Accumulator(TraceId traceId) {
      this.traceId = traceId;
    }

    boolean isEmpty() {
      return spans == 0;
    }

    /** Adds one span; {@code call} facts only when it is an LLM call. */
    void addSpan(long s, long e, long spanId, boolean isRoot, String service, String name, boolean error, Partition partition) {
      spans++;
      if (s < start) {
        start = s;
        home = partition;
      }
      end = Math.max(end, e);
      if (isRoot) {
        root.offer(s, spanId, service, name);
      }
      first.offer(s, spanId, service, name);
      if (error) {
        errors++;
      }
    }

    void addCall(long s, long spanId, double callCost, long in, long out, String model, String teamName, String projectName) {
      llmCalls++;
      cost.add(callCost);
      // Saturating: a trace's token total never wraps negative (spans stored before ingest
      // bounded counts may hold anything up to 2^63-1).
      if (in >= 0) {
        input = Saturating.add(input, in);
      }
      if (out >= 0) {
        output = Saturating.add(output, out);
      }
      if (model != null) {
        models.add(model);
      }
      if (teamName != null && !teamName.isEmpty()) {
        team.offer(s, spanId, teamName, null);
      }
      if (projectName != null && !projectName.isEmpty()) {
        project.offer(s, spanId, projectName, null);
      }
    }

    /** Adds everything of {@code other} (spans not counted here). */
    void merge(Accumulator other) {
      spans += other.spans;
      if (other.start < start) {
        start = other.start;
        home = other.home;
      }
      end = Math.max(end, other.end);
      llmCalls += other.llmCalls;
      errors += other.errors;
      cost.add(other.cost);
      input = Saturating.add(input, other.input);
      output = Saturating.add(output, other.output);
      root.offer(other.root);
      first.offer(other.first);
      models.addAll(other.models);
      team.offer(other.team);
      project.offer(other.project);
    }

    TraceSummary toSummary() {
      // Without a root span (not yet arrived, or sampled away) the earliest span stands in.
      Pick shown = root.isSet() ? root : first;
      return new TraceSummary(
          traceId,
          shown.value == null ? "" : shown.value,
          shown.other == null ? "" : shown.other,
          start,
          Math.max(0, end - start),
          spans,
          llmCalls,
          errors,
          cost.value(),
          input,
          output,
          List.copyOf(models),
          team.value,
          project.value);
    }
  }

  /** The values of the span that sorts first by (start, span id). */
  static final class Pick {
    long start = Long.MAX_VALUE;
    long spanId = Long.MAX_VALUE;
    String value;
    String other;

    boolean isSet() {
      return value != null;
    }

    void offer(long s, long id, String v, String o) {
      if (value == null || s < start || (s == start && Long.compareUnsigned(id, spanId) < 0)) {
        start = s;
        spanId = id;
        value = v;
        other = o;
      }
    }

    void offer(Pick p) {
      if (p.isSet()) {
        offer(p.start, p.spanId, p.value, p.other);
      }
    }
  }

  /** Adds the spans of {@code traceId} found by {@code searcher} to {@code acc}. */
  static void collect(IndexSearcher searcher, Partition partition, Accumulator acc) throws IOException {
    collect(searcher, partition, acc, null);
  }

  /** Adds the spans of {@code tenant} (null: any) and {@code traceId} found by {@code searcher}. */
  static void collect(IndexSearcher searcher, Partition partition, Accumulator acc, String tenant)
      throws IOException {
    BooleanQuery.Builder builder =
        new BooleanQuery.Builder()
            .add(new TermQuery(new Term(SpanDocuments.TRACE_ID, SpanDocuments.traceIdBytes(acc.traceId))), BooleanClause.Occur.FILTER)
            .add(new TermQuery(new Term(SpanDocuments.TYPE, SpanDocuments.TYPE_SPAN)), BooleanClause.Occur.FILTER);
    if (tenant != null) {
      builder.add(SpanDocuments.tenantQuery(tenant), BooleanClause.Occur.FILTER);
    }
    Query query = builder.build();
    searcher.search(
        query,
        new SimpleCollector() {
          SortedNumericDocValues start;
          SortedNumericDocValues duration;
          NumericDocValues root;
          NumericDocValues spanIds;
          SortedSetDocValues service;
          SortedSetDocValues name;
          SortedSetDocValues status;
          SortedNumericDocValues cost;
          SortedNumericDocValues in;
          SortedNumericDocValues out;
          SortedDocValues model;
          SortedDocValues team;
          SortedDocValues project;

          @Override
          protected void doSetNextReader(LeafReaderContext context) throws IOException {
            var r = context.reader();
            start = DocValues.getSortedNumeric(r, SpanDocuments.START);
            duration = DocValues.getSortedNumeric(r, SpanDocuments.DURATION);
            root = DocValues.getNumeric(r, SpanDocuments.ROOT);
            spanIds = DocValues.getNumeric(r, SpanDocuments.SPAN_ID);
            service = DocValues.getSortedSet(r, SpanDocuments.SERVICE);
            name = DocValues.getSortedSet(r, SpanDocuments.NAME);
            status = DocValues.getSortedSet(r, SpanDocuments.STATUS);
            cost = DocValues.getSortedNumeric(r, SpanDocuments.COST);
            in = DocValues.getSortedNumeric(r, SpanDocuments.TOKENS_IN);
            out = DocValues.getSortedNumeric(r, SpanDocuments.TOKENS_OUT);
            model = DocValues.getSorted(r, SpanDocuments.MODEL);
            team = DocValues.getSorted(r, SpanDocuments.TEAM);
            project = DocValues.getSorted(r, SpanDocuments.PROJECT);
          }

          @Override
          public void collect(int doc) throws IOException {
            long s = start.advanceExact(doc) ? start.nextValue() : 0;
            long e = duration.advanceExact(doc) ? s + duration.nextValue() : s;
            long id = spanIds.advanceExact(doc) ? spanIds.longValue() : 0;
            String svc = service.advanceExact(doc) ? service.lookupOrd(service.nextOrd()).utf8ToString() : "";
            String nm = name.advanceExact(doc) ? name.lookupOrd(name.nextOrd()).utf8ToString() : "";
            boolean isRoot = root.advanceExact(doc) && root.longValue() == 1;
            boolean error = status.advanceExact(doc) && "error".equals(status.lookupOrd(status.nextOrd()).utf8ToString());
            acc.addSpan(s, e, id, isRoot, svc, nm, error, partition);
            if (cost.advanceExact(doc)) {
              double c = NumericUtils.sortableLongToDouble(cost.nextValue());
              long i = in.advanceExact(doc) ? in.nextValue() : -1;
              long o = out.advanceExact(doc) ? out.nextValue() : -1;
              String m = model.advanceExact(doc) ? model.lookupOrd(model.ordValue()).utf8ToString() : null;
              String t = team.advanceExact(doc) ? team.lookupOrd(team.ordValue()).utf8ToString() : null;
              String p = project.advanceExact(doc) ? project.lookupOrd(project.ordValue()).utf8ToString() : null;
              acc.addCall(s, id, c, i, o, m, t, p);
            }
          }

          @Override
          public ScoreMode scoreMode() {
            return ScoreMode.COMPLETE_NO_SCORES;
          }
        });
  }

  /** The identity of a rollup: its indexed {@code t.trace_id} term (see {@link SpanKeys}). */
  static Term rollupKey(String tenant, TraceId traceId) {
    return new Term(T_TRACE_ID, SpanKeys.rollupKeyBytes(tenant, traceId));
  }

  /**
   * The rollup document of {@code acc} for {@code tenant}. The indexed {@code t.trace_id} term is
   * the tenant-aware key; its doc values hold the bare 16-byte trace id readers group by.
   */
  static Document toDocument(String tenant, Accumulator acc) {
    TraceSummary s = acc.toSummary();
    Document doc = new Document();
    doc.add(new StringField(SpanDocuments.TYPE, TYPE_TRACE, Field.Store.NO));
    doc.add(new StringField(SpanDocuments.TENANT, tenant, Field.Store.NO));
    doc.add(new StringField(T_TRACE_ID, SpanKeys.rollupKeyBytes(tenant, s.traceId()), Field.Store.NO));
    doc.add(new org.apache.lucene.document.SortedDocValuesField(T_TRACE_ID, SpanDocuments.traceIdBytes(s.traceId())));
    doc.add(new LongField(T_START, s.startEpochNanos(), Field.Store.NO));
    doc.add(new LongField(T_DURATION, s.durationNanos(), Field.Store.NO));
    doc.add(new DoubleField(T_COST, s.costUsd(), Field.Store.NO));
    doc.add(new LongField(T_TOKENS, s.totalTokens(), Field.Store.NO));
    doc.add(new LongField(T_LLM_CALLS, s.llmCallCount(), Field.Store.NO));
    doc.add(new KeywordField(T_ROOT_SERVICE, SpanDocuments.truncate(s.rootServiceName()), Field.Store.NO));
    doc.add(new KeywordField(T_ROOT_NAME, SpanDocuments.truncate(s.rootSpanName()), Field.Store.NO));
    for (String model : s.models()) {
      doc.add(new KeywordField(T_MODEL, SpanDocuments.truncate(model), Field.Store.NO));
    }
    if (s.team() != null) {
      doc.add(new KeywordField(T_TEAM, s.team(), Field.Store.NO));
    }
    if (s.project() != null) {
      doc.add(new KeywordField(T_PROJECT, s.project(), Field.Store.NO));
    }
    doc.add(new StoredField(T_SUMMARY, encode(s, acc)));
    return doc;
  }

  /**
   * The summary followed by what merging a delta needs: the picks with their (start, span id), and
   * the cost's exact parts (the summary's cost is rounded).
   */
  static byte[] encode(TraceSummary s, Accumulator acc) {
    byte[] summary = encode(s);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(summary.length + 96);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(summary);
      out.writeByte(STATE_VERSION);
      for (Pick p : new Pick[] {acc.root, acc.first, acc.team, acc.project}) {
        out.writeBoolean(p.isSet());
        if (p.isSet()) {
          out.writeLong(p.start);
          out.writeLong(p.spanId);
          out.writeUTF(p.value);
          out.writeUTF(p.other == null ? "" : p.other);
        }
      }
      double[] costParts = acc.cost.parts();
      out.writeInt(costParts.length);
      for (double part : costParts) {
        out.writeDouble(part);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** 2: with the cost's exact parts. */
  private static final int STATE_VERSION = 2;

  /**
   * A stored rollup as an accumulator to merge deltas into; null when it was written without the
   * picks' keys (before incremental rollups) or the cost's exact parts (state version 1): such a
   * trace is recomputed from its spans.
   */
  static Accumulator decodeState(BytesRef blob, Partition home) {
    TraceSummary s = decode(blob);
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(blob.bytes, blob.offset, blob.length))) {
      in.skipBytes(encode(s).length);
      if (in.available() == 0 || in.readByte() != STATE_VERSION) {
        return null;
      }
      Accumulator acc = new Accumulator(s.traceId());
      acc.start = s.startEpochNanos();
      acc.end = s.startEpochNanos() + s.durationNanos();
      acc.spans = s.spanCount();
      acc.llmCalls = s.llmCallCount();
      acc.errors = s.errorCount();
      acc.input = s.inputTokens();
      acc.output = s.outputTokens();
      acc.models.addAll(s.models());
      acc.home = home;
      for (Pick p : new Pick[] {acc.root, acc.first, acc.team, acc.project}) {
        if (in.readBoolean()) {
          long start = in.readLong();
          long id = in.readLong();
          String value = in.readUTF();
          String other = in.readUTF();
          p.offer(start, id, value, p == acc.root || p == acc.first ? other : null);
        }
      }
      for (int i = in.readInt(); i > 0; i--) {
        acc.cost.add(in.readDouble());
      }
      return acc;
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt trace rollup", e);
    }
  }

  static byte[] encode(TraceSummary s) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeLong(s.traceId().high());
      out.writeLong(s.traceId().low());
      out.writeUTF(s.rootServiceName());
      out.writeUTF(s.rootSpanName());
      out.writeLong(s.startEpochNanos());
      out.writeLong(s.durationNanos());
      out.writeInt(s.spanCount());
      out.writeInt(s.llmCallCount());
      out.writeInt(s.errorCount());
      out.writeDouble(s.costUsd());
      out.writeLong(s.inputTokens());
      out.writeLong(s.outputTokens());
      out.writeInt(s.models().size());
      for (String model : s.models()) {
        out.writeUTF(model);
      }
      out.writeUTF(s.team() == null ? "" : s.team());
      out.writeUTF(s.project() == null ? "" : s.project());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static TraceSummary decode(BytesRef blob) {
    try (DataInputStream in =
        new DataInputStream(new ByteArrayInputStream(blob.bytes, blob.offset, blob.length))) {
      TraceId id = new TraceId(in.readLong(), in.readLong());
      String rootService = in.readUTF();
      String rootName = in.readUTF();
      long start = in.readLong();
      long duration = in.readLong();
      int spans = in.readInt();
      int llm = in.readInt();
      int errors = in.readInt();
      double cost = in.readDouble();
      long input = in.readLong();
      long output = in.readLong();
      int modelCount = in.readInt();
      List<String> models = new ArrayList<>(modelCount);
      for (int i = 0; i < modelCount; i++) {
        models.add(in.readUTF());
      }
      String team = in.readUTF();
      String project = in.readUTF();
      return new TraceSummary(
          id, rootService, rootName, start, duration, spans, llm, errors, cost, input,
          output, List.copyOf(models), team.isEmpty() ? null : team, project.isEmpty() ? null : project);
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt trace rollup", e);
    }
  }
}
