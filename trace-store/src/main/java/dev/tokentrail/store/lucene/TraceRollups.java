package dev.tokentrail.store.lucene;

import dev.tokentrail.model.Ids;
import dev.tokentrail.model.Saturating;
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

  /** Accumulates span facts of one trace across partitions. */
  static final class Accumulator {
    final String traceId;
    long start = Long.MAX_VALUE;
    long end = Long.MIN_VALUE;
    int spans;
    int llmCalls;
    int errors;
    double cost;
    long input;
    long output;
    String rootService;
    String rootName;
    long rootStart = Long.MAX_VALUE;
    String firstService;
    String firstName;
    long firstStart = Long.MAX_VALUE;
    final TreeSet<String> models = new TreeSet<>();
    String team;
    String project;
    /** Partition holding the earliest span. */
    Partition home;

    Accumulator(String traceId) {
      this.traceId = traceId;
    }

    boolean isEmpty() {
      return spans == 0;
    }

    TraceSummary toSummary() {
      // Without a root span (not yet arrived, or sampled away) the earliest span stands in.
      String service = rootService != null ? rootService : firstService;
      String name = rootName != null ? rootName : firstName;
      return new TraceSummary(
          traceId,
          service == null ? "" : service,
          name == null ? "" : name,
          start,
          Math.max(0, end - start),
          spans,
          llmCalls,
          errors,
          cost,
          input,
          output,
          List.copyOf(models),
          team,
          project);
    }
  }

  /** Adds the spans of {@code traceId} found by {@code searcher} to {@code acc}. */
  static void collect(IndexSearcher searcher, Partition partition, Accumulator acc)
      throws IOException {
    Query query =
        new BooleanQuery.Builder()
            .add(new TermQuery(new Term(SpanDocuments.TRACE_ID, SpanDocuments.traceIdBytes(acc.traceId))), BooleanClause.Occur.FILTER)
            .add(new TermQuery(new Term(SpanDocuments.TYPE, SpanDocuments.TYPE_SPAN)), BooleanClause.Occur.FILTER)
            .build();
    searcher.search(
        query,
        new SimpleCollector() {
          SortedNumericDocValues start;
          NumericDocValues end;
          NumericDocValues root;
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
            end = DocValues.getNumeric(r, SpanDocuments.END);
            root = DocValues.getNumeric(r, SpanDocuments.ROOT);
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
            acc.spans++;
            long s = start.advanceExact(doc) ? start.nextValue() : 0;
            long e = end.advanceExact(doc) ? end.longValue() : s;
            if (s < acc.start) {
              acc.start = s;
              acc.home = partition;
            }
            acc.end = Math.max(acc.end, e);
            String svc = service.advanceExact(doc) ? service.lookupOrd(service.nextOrd()).utf8ToString() : "";
            String nm = name.advanceExact(doc) ? name.lookupOrd(name.nextOrd()).utf8ToString() : "";
            if (root.advanceExact(doc) && root.longValue() == 1 && s < acc.rootStart) {
              acc.rootStart = s;
              acc.rootService = svc;
              acc.rootName = nm;
            }
            if (s < acc.firstStart) {
              acc.firstStart = s;
              acc.firstService = svc;
              acc.firstName = nm;
            }
            if (status.advanceExact(doc) && "error".equals(status.lookupOrd(status.nextOrd()).utf8ToString())) {
              acc.errors++;
            }
            if (cost.advanceExact(doc)) {
              acc.llmCalls++;
              acc.cost += NumericUtils.sortableLongToDouble(cost.nextValue());
              // Saturating: a trace's token total never wraps negative (spans stored before
              // ingest bounded counts may hold anything up to 2^63-1).
              if (in.advanceExact(doc)) {
                acc.input = Saturating.add(acc.input, Math.max(0, in.nextValue()));
              }
              if (out.advanceExact(doc)) {
                acc.output = Saturating.add(acc.output, Math.max(0, out.nextValue()));
              }
              if (model.advanceExact(doc)) {
                acc.models.add(model.lookupOrd(model.ordValue()).utf8ToString());
              }
              if (acc.team == null && team.advanceExact(doc)) {
                String t = team.lookupOrd(team.ordValue()).utf8ToString();
                acc.team = t.isEmpty() ? null : t;
              }
              if (acc.project == null && project.advanceExact(doc)) {
                String p = project.lookupOrd(project.ordValue()).utf8ToString();
                acc.project = p.isEmpty() ? null : p;
              }
            }
          }

          @Override
          public ScoreMode scoreMode() {
            return ScoreMode.COMPLETE_NO_SCORES;
          }
        });
  }

  static Term rollupKey(String traceId) {
    return new Term(T_TRACE_ID, SpanDocuments.traceIdBytes(traceId));
  }

  static Document toDocument(TraceSummary s) {
    Document doc = new Document();
    doc.add(new StringField(SpanDocuments.TYPE, TYPE_TRACE, Field.Store.NO));
    BytesRef traceId = SpanDocuments.traceIdBytes(s.traceId());
    doc.add(new StringField(T_TRACE_ID, traceId, Field.Store.NO));
    doc.add(new org.apache.lucene.document.SortedDocValuesField(T_TRACE_ID, traceId));
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
    doc.add(new StoredField(T_SUMMARY, encode(s)));
    return doc;
  }

  static byte[] encode(TraceSummary s) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(Ids.fromHex(s.traceId()));
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
      byte[] id = new byte[16];
      in.readFully(id);
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
          Ids.toHex(id), rootService, rootName, start, duration, spans, llm, errors, cost, input,
          output, List.copyOf(models), team.isEmpty() ? null : team, project.isEmpty() ? null : project);
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt trace rollup", e);
    }
  }
}
