package dev.tokentrail.store.lucene;

import static dev.tokentrail.store.TestSpans.randomTraceId;
import static dev.tokentrail.store.TestSpans.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanEvent;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.SegmentCommitInfo;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The span envelopes (resource and scope) held once per segment: values round-trip whatever
 * their bytes, and segments decode after flushes, merges, deletes and reopening, including
 * segments written before the store's codec existed.
 */
class SpanStoredFieldsTest {
  private static final long T = 1_765_000_000_000_000_000L;
  @TempDir Path dir;

  private static Span spanOf(Random random, int i) {
    int service = random.nextInt(5);
    Span.Builder b = span(randomTraceId(), "op-" + i, T + i, 1_000 + random.nextInt(1_000))
        .resource(Resource.of(Map.of("service.name", "svc-" + service, "host.name", "host-" + (service % 2))))
        .scope("scope-" + random.nextInt(3), random.nextBoolean() ? "1.0" : "")
        .attribute("n", (long) i);
    if (random.nextInt(4) == 0) {
      b.events(List.of(new SpanEvent(T + i + 1, "event", Map.of("k", "v" + i))));
    }
    if (random.nextInt(10) == 0) {
      b.resource(Resource.of(Map.of()));
    }
    return b.build();
  }

  @Test
  void spansRoundTripThroughTheEnvelopeDictionary() {
    Random random = new Random(1);
    SpanEnvelopes envelopes = new SpanEnvelopes();
    List<BytesRef> compact = new ArrayList<>();
    List<Span> spans = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      Span s = spanOf(random, i);
      spans.add(s);
      compact.add(BytesRef.deepCopyOf(envelopes.compact(new BytesRef(SpanDocuments.encode(s)))));
    }
    byte[][] entries = envelopes.entries().stream().map(b -> b.bytes).toArray(byte[][]::new);
    // 5 services x 2 hosts collapse to 5 resources, one empty resource, 3 names x 2 versions of scope.
    assertThat(entries.length).isLessThanOrEqualTo(6 + 6);
    for (int i = 0; i < spans.size(); i++) {
      BytesRef c = compact.get(i);
      byte[] whole = SpanEnvelopes.expand(Arrays.copyOfRange(c.bytes, c.offset, c.offset + c.length), entries);
      assertThat(SpanDocuments.decode(new BytesRef(whole))).isEqualTo(spans.get(i));
    }
  }

  @Test
  void valuesThatAreNotOneSpanAreKeptVerbatim() {
    SpanEnvelopes envelopes = new SpanEnvelopes();
    Span a = span(randomTraceId(), "a", T, 10).build();
    ResourceSpans two = ResourceSpans.newBuilder(parse(SpanDocuments.encode(a)))
        .addScopeSpans(parse(SpanDocuments.encode(a)).getScopeSpans(0))
        .build();
    Random random = new Random(2);
    List<byte[]> odd = new ArrayList<>(List.of(new byte[0], new byte[] {0}, new byte[] {(byte) 0x80}, two.toByteArray()));
    for (int i = 0; i < 200; i++) {
      byte[] noise = new byte[random.nextInt(64)];
      random.nextBytes(noise);
      odd.add(noise);
    }
    for (byte[] value : odd) {
      BytesRef c = envelopes.compact(new BytesRef(value));
      byte[][] entries = envelopes.entries().stream().map(b -> b.bytes).toArray(byte[][]::new);
      byte[] back = SpanEnvelopes.expand(Arrays.copyOfRange(c.bytes, c.offset, c.offset + c.length), entries);
      if (!Arrays.equals(back, value)) {
        // Noise that happens to be well-formed is split too; it comes back as the same message.
        assertThat(parse(back)).as("%s", Arrays.toString(value)).isEqualTo(parse(value));
      }
    }
    BytesRef verbatim = envelopes.compact(new BytesRef(two.toByteArray()));
    assertThat(SpanEnvelopes.expand(Arrays.copyOfRange(verbatim.bytes, verbatim.offset, verbatim.offset + verbatim.length), new byte[0][]))
        .containsExactly(two.toByteArray());
    assertThat(envelopes.entries()).hasSizeLessThanOrEqualTo(2 * 200);
  }

  @Test
  void anUnknownEnvelopeIdIsReportedAsCorruption() {
    assertThatThrownBy(() -> SpanEnvelopes.expand(new byte[] {5, 0, 0x12, 0}, new byte[1][0]))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("corrupt stored span");
  }

  @Test
  void aCompactValueCutShortIsReportedAsCorruption() {
    // A resource id whose varint runs off the end, and one with no scope id after it.
    for (byte[] cut : List.of(new byte[] {(byte) 0x81}, new byte[] {1})) {
      assertThatThrownBy(() -> SpanEnvelopes.expand(cut, new byte[1][0]))
          .as("%s", Arrays.toString(cut))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("corrupt stored span");
    }
  }

  @Test
  void segmentsDecodeAfterFlushesDeletesMergesAndReopening() throws IOException {
    Random random = new Random(3);
    Map<SpanId, Span> expected = new HashMap<>();
    try (Directory d = FSDirectory.open(dir)) {
      try (IndexWriter w = new IndexWriter(d, config(new SpanCodec()))) {
        for (int i = 0; i < 3_000; i++) {
          Span s = spanOf(random, i);
          w.addDocument(SpanDocuments.toDocument(s));
          expected.put(s.spanId(), s);
          if (random.nextInt(200) == 0) {
            w.commit();
          }
          if (random.nextInt(50) == 0) {
            Span gone = expected.values().iterator().next();
            w.deleteDocuments(new Term(SpanDocuments.SPAN_KEY, SpanKeys.spanKeyBytes(dev.tokentrail.store.Tenants.DEFAULT, gone)));
            expected.remove(gone.spanId());
          }
        }
        w.commit();
        assertAllDecode(d, expected);
        w.forceMerge(1);
        w.commit();
      }
      assertAllDecode(d, expected);
      assertThat(codecsOf(d)).containsOnly(SpanCodec.NAME);
    }
  }

  @Test
  void segmentsWrittenBeforeTheStoresCodecDecodeAndMergeIntoIt() throws IOException {
    Random random = new Random(4);
    Map<SpanId, Span> expected = new HashMap<>();
    try (Directory d = FSDirectory.open(dir)) {
      try (IndexWriter w = new IndexWriter(d, config(new Lucene104Codec()))) {
        for (int i = 0; i < 500; i++) {
          Span s = spanOf(random, i);
          w.addDocument(SpanDocuments.toDocument(s));
          expected.put(s.spanId(), s);
        }
      }
      // No merges until asked: both kinds of segment are read side by side first.
      try (IndexWriter w = new IndexWriter(d, config(new SpanCodec()).setMergePolicy(NoMergePolicy.INSTANCE))) {
        for (int i = 500; i < 1_000; i++) {
          Span s = spanOf(random, i);
          w.addDocument(SpanDocuments.toDocument(s));
          expected.put(s.spanId(), s);
        }
      }
      assertThat(codecsOf(d)).containsExactlyInAnyOrder("Lucene104", SpanCodec.NAME);
      assertAllDecode(d, expected);
      try (IndexWriter w = new IndexWriter(d, config(new SpanCodec()))) {
        w.forceMerge(1);
      }
      assertThat(codecsOf(d)).containsOnly(SpanCodec.NAME);
      assertAllDecode(d, expected);
    }
  }

  @Test
  void theCodecIsFoundByNameAndReadsEitherCompressionMode() throws IOException {
    assertThat(Codec.forName(SpanCodec.NAME)).isInstanceOf(SpanCodec.class);
    Random random = new Random(5);
    Map<SpanId, Span> expected = new HashMap<>();
    try (Directory d = FSDirectory.open(dir)) {
      try (IndexWriter w = new IndexWriter(d, config(new SpanCodec(Lucene104Codec.Mode.BEST_SPEED)))) {
        for (int i = 0; i < 300; i++) {
          Span s = spanOf(random, i);
          w.addDocument(SpanDocuments.toDocument(s));
          expected.put(s.spanId(), s);
        }
      }
      assertAllDecode(d, expected);
    }
  }

  @Test
  void theStoreReturnsEverySpanWholeAfterLogReplayAndRestart() throws Exception {
    Random random = new Random(6);
    TraceId traceId = randomTraceId();
    long now = java.time.Instant.now().toEpochMilli() * 1_000_000L;
    List<Span> sent = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      Span s = spanOf(random, i);
      sent.add(Span.builder().traceId(traceId).spanId(s.spanId()).name(s.name()).kind(s.kind())
          .startEpochNanos(now + i).endEpochNanos(now + i + 10).attributes(s.attributes())
          .resource(s.resource()).scope(s.scopeName(), s.scopeVersion()).events(s.events()).build());
    }
    Path running = dir.resolve("running");
    Path crashed = dir.resolve("crashed");
    // Commits an hour apart: the copy holds the spans in the log only, as after kill -9.
    try (LuceneSpanStore first = LuceneSpanStore.builder(running).commitInterval(java.time.Duration.ofHours(1)).open()) {
      first.accept(dev.tokentrail.store.Tenants.DEFAULT, dev.tokentrail.genai.StoredCalls.ingested(sent)).get();
      copyTree(running, crashed);
    }
    try (LuceneSpanStore replayed = LuceneSpanStore.builder(crashed).open()) {
      assertThat(replayed.getTrace(dev.tokentrail.store.Tenants.DEFAULT, traceId, 0, 0)).containsExactlyInAnyOrderElementsOf(sent);
    }
    try (LuceneSpanStore restarted = LuceneSpanStore.builder(crashed).open()) {
      assertThat(restarted.getTrace(dev.tokentrail.store.Tenants.DEFAULT, traceId, 0, 0)).containsExactlyInAnyOrderElementsOf(sent);
    }
    try (Directory d = FSDirectory.open(onlyPartition(crashed))) {
      assertThat(codecsOf(d)).containsOnly(SpanCodec.NAME);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var files = java.nio.file.Files.walk(from)) {
      for (Path p : files.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (java.nio.file.Files.isDirectory(p)) {
          java.nio.file.Files.createDirectories(target);
        } else if (!p.getFileName().toString().equals("write.lock")) {
          java.nio.file.Files.copy(p, target);
        }
      }
    }
  }

  private static IndexWriterConfig config(Codec codec) {
    IndexWriterConfig config = new IndexWriterConfig().setCodec(codec);
    config.setMaxBufferedDocs(97);
    return config;
  }

  private static List<String> codecsOf(Directory d) throws IOException {
    List<String> names = new ArrayList<>();
    for (SegmentCommitInfo sci : SegmentInfos.readLatestCommit(d)) {
      names.add(sci.info.getCodec().getName());
    }
    return names.stream().distinct().toList();
  }

  private static void assertAllDecode(Directory d, Map<SpanId, Span> expected) throws IOException {
    Map<SpanId, Span> found = new HashMap<>();
    try (DirectoryReader r = DirectoryReader.open(d)) {
      for (LeafReaderContext leaf : r.leaves()) {
        StoredFields stored = leaf.reader().storedFields();
        var live = leaf.reader().getLiveDocs();
        for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
          if (live == null || live.get(doc)) {
            Span s = SpanDocuments.decode(stored.document(doc).getBinaryValue(SpanDocuments.BLOB));
            found.put(s.spanId(), s);
          }
        }
      }
    }
    assertThat(found).isEqualTo(expected);
  }

  private static Path onlyPartition(Path dataDir) throws IOException {
    try (var parts = java.nio.file.Files.list(dataDir.resolve("index"))) {
      List<Path> all = parts.filter(java.nio.file.Files::isDirectory).toList();
      assertThat(all).hasSize(1);
      return all.get(0);
    }
  }

  private static ResourceSpans parse(byte[] bytes) {
    try {
      return ResourceSpans.parseFrom(bytes);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
