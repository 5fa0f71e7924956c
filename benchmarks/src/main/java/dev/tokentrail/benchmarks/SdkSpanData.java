package dev.tokentrail.benchmarks;

import dev.tokentrail.model.Span;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A generated {@link Span} as the OTel SDK hands finished spans to its exporters, so the load
 * generator sends through the SDK's own OTLP exporters exactly what the store later holds.
 */
final class SdkSpanData implements SpanData {
  private final String name;
  private final SpanKind kind;
  private final SpanContext context;
  private final SpanContext parent;
  private final StatusData status;
  private final long start;
  private final long end;
  private final Attributes attributes;
  private final InstrumentationScopeInfo scope;
  private final Resource resource;

  private SdkSpanData(Span span, Resource resource) {
    this.name = span.name();
    this.kind = SpanKind.values()[Math.max(0, span.kind().ordinal() - 1)];
    this.context = SpanContext.create(span.traceId().hex(), span.spanId().hex(), TraceFlags.getSampled(), TraceState.getDefault());
    this.parent =
        span.isRoot()
            ? SpanContext.getInvalid()
            : SpanContext.create(span.traceId().hex(), span.parentSpanId().hex(), TraceFlags.getSampled(), TraceState.getDefault());
    this.status =
        switch (span.statusCode()) {
          case ERROR -> StatusData.create(StatusCode.ERROR, span.statusMessage());
          case OK -> StatusData.ok();
          case UNSET -> StatusData.unset();
        };
    this.start = span.startEpochNanos();
    this.end = span.endEpochNanos();
    this.attributes = attributes(span.attributes());
    this.scope = InstrumentationScopeInfo.builder(span.scopeName()).setVersion(span.scopeVersion()).build();
    this.resource = resource;
  }

  /** The spans as SDK span data in export batches of {@code batchSize}, converted up front. */
  static List<List<SpanData>> batches(List<Span> spans, int batchSize) {
    Converter converter = new Converter();
    List<List<SpanData>> batches = new ArrayList<>(spans.size() / batchSize + 1);
    for (int i = 0; i < spans.size(); i += batchSize) {
      List<SpanData> batch = new ArrayList<>(batchSize);
      for (Span s : spans.subList(i, Math.min(spans.size(), i + batchSize))) {
        batch.add(converter.convert(s));
      }
      batches.add(batch);
    }
    return batches;
  }

  /** Converts spans, sharing one SDK resource per distinct model resource as the SDK does. */
  static final class Converter {
    private final Map<dev.tokentrail.model.Resource, Resource> resources = new IdentityHashMap<>();

    SpanData convert(Span span) {
      Resource resource = resources.computeIfAbsent(span.resource(), r -> Resource.create(attributes(r.attributes())));
      return new SdkSpanData(span, resource);
    }
  }

  @SuppressWarnings("unchecked")
  static Attributes attributes(Map<String, Object> values) {
    AttributesBuilder b = Attributes.builder();
    for (Map.Entry<String, Object> e : values.entrySet()) {
      String key = e.getKey();
      Object v = e.getValue();
      if (v instanceof String s) {
        b.put(AttributeKey.stringKey(key), s);
      } else if (v instanceof Long l) {
        b.put(AttributeKey.longKey(key), l);
      } else if (v instanceof Double d) {
        b.put(AttributeKey.doubleKey(key), d);
      } else if (v instanceof Boolean bool) {
        b.put(AttributeKey.booleanKey(key), bool);
      } else if (v instanceof List<?> list) {
        b.put(AttributeKey.stringArrayKey(key), (List<String>) list);
      } else {
        throw new IllegalArgumentException("attribute " + key + ": unsupported type " + v.getClass());
      }
    }
    return b.build();
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public SpanKind getKind() {
    return kind;
  }

  @Override
  public SpanContext getSpanContext() {
    return context;
  }

  @Override
  public SpanContext getParentSpanContext() {
    return parent;
  }

  @Override
  public StatusData getStatus() {
    return status;
  }

  @Override
  public long getStartEpochNanos() {
    return start;
  }

  @Override
  public Attributes getAttributes() {
    return attributes;
  }

  @Override
  public List<EventData> getEvents() {
    return List.of();
  }

  @Override
  public List<LinkData> getLinks() {
    return List.of();
  }

  @Override
  public long getEndEpochNanos() {
    return end;
  }

  @Override
  public boolean hasEnded() {
    return true;
  }

  @Override
  public int getTotalRecordedEvents() {
    return 0;
  }

  @Override
  public int getTotalRecordedLinks() {
    return 0;
  }

  @Override
  public int getTotalAttributeCount() {
    return attributes.size();
  }

  @Override
  @Deprecated
  public InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
    return InstrumentationLibraryInfo.create(scope.getName(), scope.getVersion());
  }

  @Override
  public InstrumentationScopeInfo getInstrumentationScopeInfo() {
    return scope;
  }

  @Override
  public Resource getResource() {
    return resource;
  }
}
