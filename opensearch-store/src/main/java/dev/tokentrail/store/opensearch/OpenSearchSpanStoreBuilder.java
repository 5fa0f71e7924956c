package dev.tokentrail.store.opensearch;

import static java.util.Objects.requireNonNull;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Configures an {@link OpenSearchSpanStore}: the cluster (node URLs, credentials, a CA file for
 * TLS), the index prefix (several stores, or TokenTrail installations, can share one cluster under
 * different prefixes), visibility, bulk sizing and retention. {@link #build()} installs the index
 * template, so it fails fast when the cluster is unreachable or refuses the credentials.
 */
public final class OpenSearchSpanStoreBuilder {
  private static final Pattern PREFIX = Pattern.compile("[a-z0-9][a-z0-9_-]{0,99}");

  private List<URI> urls = List.of(URI.create("http://localhost:9200"));
  private String authorization;
  private Path caFile;
  private String indexPrefix = "tokentrail";
  private Duration refreshInterval = Duration.ofSeconds(1);
  private boolean refreshOnWrite;
  private int bulkSize = 5000;
  private int bulkConcurrency = 4;
  private int queueCapacity = 64;
  private int shards = 1;
  private int replicas = 1;
  private Codec codec = Codec.DEFAULT;
  private Duration requestTimeout = Duration.ofSeconds(60);
  private Clock clock = Clock.systemUTC();
  private Duration retention;
  private PrometheusRegistry registry = new PrometheusRegistry();

  OpenSearchSpanStoreBuilder() {}

  /** The cluster's node URLs ({@code http://} or {@code https://}, one scheme); requests go round-robin. */
  public OpenSearchSpanStoreBuilder urls(List<URI> urls) {
    requireNonNull(urls, "urls");
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("urls: [] (expected: at least one OpenSearch node URL)");
    }
    for (URI url : urls) {
      if (url.getHost() == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
        throw new IllegalArgumentException("urls: " + url + " (expected: http://host:port or https://host:port)");
      }
    }
    this.urls = List.copyOf(urls);
    return this;
  }

  /** HTTP basic authentication (the security plugin's internal users). */
  public OpenSearchSpanStoreBuilder basicAuth(String user, String password) {
    requireNonNull(user, "user");
    requireNonNull(password, "password");
    this.authorization = "Basic " + Base64.getEncoder().encodeToString((user + ':' + password).getBytes(StandardCharsets.UTF_8));
    return this;
  }

  /** An API key, sent as {@code Authorization: ApiKey <key>}. */
  public OpenSearchSpanStoreBuilder apiKey(String key) {
    this.authorization = "ApiKey " + requireNonNull(key, "key");
    return this;
  }

  /** A PEM file of the CA certificates the nodes' TLS certificates are trusted by. */
  public OpenSearchSpanStoreBuilder caFile(Path caFile) {
    requireNonNull(caFile, "caFile");
    if (!Files.isReadable(caFile)) {
      throw new IllegalArgumentException("caFile: " + caFile + " (expected: a readable PEM file)");
    }
    this.caFile = caFile;
    return this;
  }

  /** The prefix of every index and template name: lower-case letters, digits, '-' and '_'. */
  public OpenSearchSpanStoreBuilder indexPrefix(String indexPrefix) {
    requireNonNull(indexPrefix, "indexPrefix");
    if (!PREFIX.matcher(indexPrefix).matches()) {
      throw new IllegalArgumentException("indexPrefix: '" + indexPrefix + "' (expected: 1-100 of a-z 0-9 - _, not starting with - or _)");
    }
    this.indexPrefix = indexPrefix;
    return this;
  }

  /**
   * How often new spans become searchable: the pace of rollup rounds, which refresh the span
   * indices, and the trace index's {@code refresh_interval}; 1 s by default.
   */
  public OpenSearchSpanStoreBuilder refreshInterval(Duration refreshInterval) {
    this.refreshInterval = positive(refreshInterval, "refreshInterval");
    return this;
  }

  /** Acknowledge a batch only once it is searchable ({@code refresh=true}); slower, off by default. */
  public OpenSearchSpanStoreBuilder refreshOnWrite(boolean refreshOnWrite) {
    this.refreshOnWrite = refreshOnWrite;
    return this;
  }

  /** Operations per {@code _bulk} request: queued batches are written together up to this many spans, a larger batch is split; 5000 by default. */
  public OpenSearchSpanStoreBuilder bulkSize(int bulkSize) {
    this.bulkSize = atLeastOne(bulkSize, "bulkSize");
    return this;
  }

  /** Bulk requests in flight at once (each may carry several queued batches); 4 by default. */
  public OpenSearchSpanStoreBuilder bulkConcurrency(int bulkConcurrency) {
    this.bulkConcurrency = atLeastOne(bulkConcurrency, "bulkConcurrency");
    return this;
  }

  /** Batches waiting beyond those being written before writes are refused as overloaded; 64 by default. */
  public OpenSearchSpanStoreBuilder queueCapacity(int queueCapacity) {
    this.queueCapacity = atLeastOne(queueCapacity, "queueCapacity");
    return this;
  }

  /** Primary shards and replicas of new indices; 1 and 1 by default. */
  public OpenSearchSpanStoreBuilder shards(int shards, int replicas) {
    this.shards = atLeastOne(shards, "shards");
    if (replicas < 0) {
      throw new IllegalArgumentException("replicas: " + replicas + " (expected: >= 0)");
    }
    this.replicas = replicas;
    return this;
  }

  /**
   * How new span indices compress their stored fields ({@code index.codec}), where the span is
   * kept: {@link Codec#DEFAULT} (LZ4, OpenSearch's default) unless asked.
   */
  public OpenSearchSpanStoreBuilder codec(Codec codec) {
    this.codec = requireNonNull(codec, "codec");
    return this;
  }

  /** The stored-field compression of new span indices. */
  public enum Codec {
    /** LZ4: fast reads, the larger indices. */
    DEFAULT("default"),
    /** DEFLATE: about half the bytes per span, slower searches that read spans and rollups that trail further. */
    BEST_COMPRESSION("best_compression");

    private final String setting;

    Codec(String setting) {
      this.setting = setting;
    }

    /** The value of OpenSearch's {@code index.codec}. */
    public String setting() {
      return setting;
    }
  }

  /** How long one request to OpenSearch may take; 60 s by default. */
  public OpenSearchSpanStoreBuilder requestTimeout(Duration requestTimeout) {
    this.requestTimeout = positive(requestTimeout, "requestTimeout");
    return this;
  }

  /** The clock retention measures span age by. */
  public OpenSearchSpanStoreBuilder clock(Clock clock) {
    this.clock = requireNonNull(clock, "clock");
    return this;
  }

  /** Where the store's metrics are registered (the server's {@code /metrics}); a private registry by default. */
  public OpenSearchSpanStoreBuilder registry(PrometheusRegistry registry) {
    this.registry = requireNonNull(registry, "registry");
    return this;
  }

  /** Deletes day indices whose spans all started longer ago than {@code retention}; none by default. */
  public OpenSearchSpanStoreBuilder retention(Duration retention) {
    this.retention = positive(retention, "retention");
    return this;
  }

  /** Connects, installs the index template and trace index, and returns the store. */
  public OpenSearchSpanStore build() {
    int retryAfterSeconds = 2;
    OpenSearchClient client = new OpenSearchClient(urls, authorization, caFile, requestTimeout, retryAfterSeconds);
    try {
      IndexTemplates indices = new IndexTemplates(indexPrefix);
      indices.install(client, shards, replicas, refreshInterval, codec);
      Retention sweeper = new Retention(client, indices, clock, retention);
      SpanReader reader = new SpanReader(client, indices);
      RollupMaintainer rollups = new RollupMaintainer(client, indices, new TraceRollups(client, indices, reader),
          refreshInterval, refreshOnWrite);
      OpenSearchStoreMetrics metrics = new OpenSearchStoreMetrics(registry);
      BulkWriter writer = new BulkWriter(client, indices, sweeper, rollups, metrics, bulkSize, bulkConcurrency,
          queueCapacity, refreshOnWrite, retryAfterSeconds);
      metrics.registerGauges(writer::queued, writer::inFlight, rollups::pending);
      return new OpenSearchSpanStore(client, writer, rollups, sweeper, new TraceQueries(reader),
          new CallColumnsReader(reader));
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  private static Duration positive(Duration d, String name) {
    requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
    }
    return d;
  }

  private static int atLeastOne(int value, String name) {
    if (value < 1) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
    }
    return value;
  }
}
