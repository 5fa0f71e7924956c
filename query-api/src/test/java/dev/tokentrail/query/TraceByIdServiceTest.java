package dev.tokentrail.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import dev.tokentrail.model.Span;
import dev.tokentrail.otlp.OtlpSpans;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Trace by id answers decoded with Tempo's message definitions, checking that every field Grafana's
 * trace conversion dereferences is present even when the ingested span had no status, no scope
 * and no resource.
 */
class TraceByIdServiceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] TRACE_ID = bytes(16, 7);

  /**
   * Spans as most SDKs send successful work: no {@code status} field at all (UNSET), plus a
   * ResourceSpans without a {@code resource} and a ScopeSpans without a {@code scope}.
   */
  static List<Span> spansWithoutStatusScopeOrResource() {
    io.opentelemetry.proto.trace.v1.Span root = io.opentelemetry.proto.trace.v1.Span.newBuilder()
        .setTraceId(ByteString.copyFrom(TRACE_ID)).setSpanId(ByteString.copyFrom(bytes(8, 1)))
        .setName("GET /").setKindValue(2).setStartTimeUnixNano(1_000).setEndTimeUnixNano(2_000).build();
    io.opentelemetry.proto.trace.v1.Span child = root.toBuilder()
        .setSpanId(ByteString.copyFrom(bytes(8, 2))).setParentSpanId(ByteString.copyFrom(bytes(8, 1)))
        .setName("chat gpt-4o").setKindValue(3)
        .addAttributes(KeyValue.newBuilder().setKey("gen_ai.request.model").setValue(AnyValue.newBuilder().setStringValue("gpt-4o")))
        .build();
    io.opentelemetry.proto.trace.v1.Span failed = root.toBuilder()
        .setSpanId(ByteString.copyFrom(bytes(8, 3))).setParentSpanId(ByteString.copyFrom(bytes(8, 1)))
        .setName("retry").setStatus(Status.newBuilder().setCodeValue(2).setMessage("429")).build();
    List<ResourceSpans> request = List.of(
        // No resource, no scope.
        ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(root)).build(),
        // A resource without attributes, a scope with a name.
        ResourceSpans.newBuilder().setResource(Resource.getDefaultInstance())
            .addScopeSpans(ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("openai")).addSpans(child))
            .build(),
        // A named service with an erroring span.
        ResourceSpans.newBuilder()
            .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
                .setValue(AnyValue.newBuilder().setStringValue("support-bot"))))
            .addScopeSpans(ScopeSpans.newBuilder().addSpans(failed))
            .build());
    OtlpSpans.Decoded decoded = OtlpSpans.decode(request);
    assertThat(decoded.rejected()).isZero();
    return decoded.spans();
  }

  @Test
  void v2ProtobufCarriesStatusResourceAndScopeOnEverySpan() throws Exception {
    DynamicMessage response = TempoMessages.parse(TempoMessages.TRACE_BY_ID_RESPONSE,
        TraceByIdService.protobufBody(spansWithoutStatusScopeOrResource(), true));
    // pkg/tempo/trace.go: frame, err = TraceToFrame(tr.Trace.ResourceSpans)
    assertThat(has(response, "trace")).isTrue();
    Message trace = get(response, "trace");
    assertGrafanaCanConvert(trace, 3);
  }

  @Test
  void v1ProtobufIsTempoTraceWithTheSameGuarantees() throws Exception {
    DynamicMessage trace = TempoMessages.parse(TempoMessages.TRACE,
        TraceByIdService.protobufBody(spansWithoutStatusScopeOrResource(), false));
    assertGrafanaCanConvert(trace, 3);
  }

  /**
   * The fields Grafana's Tempo data source dereferences when it turns a trace into a data frame
   * (grafana-tempo-datasource pkg/tempo/trace_transform.go, resourceSpansToRows and spanToSpanRow;
   * the span kind and status names come from pkg/tempo/protospan_translation.go):
   *
   * <ul>
   *   <li>{@code rs.Resource.Attributes}: the resource must be present (nil-pointer panic
   *       otherwise); a resource without attributes makes Grafana skip its spans, as it does with
   *       real Tempo;
   *   <li>{@code ils.Scope.Name}, {@code ils.Scope.Version}: the scope must be present;
   *   <li>{@code span.Status.Code}, {@code span.Status.Message}: the status must be present;
   *   <li>{@code span.TraceId}, {@code SpanId}, {@code ParentSpanId}, {@code Name}, {@code Kind},
   *       {@code StartTimeUnixNano}, {@code EndTimeUnixNano}, {@code TraceState}, {@code
   *       Attributes[].Value}, {@code Events}, {@code Links}: plain values, read with defaults.
   * </ul>
   */
  static void assertGrafanaCanConvert(Message trace, int expectedSpans) {
    List<?> resourceSpans = (List<?>) get(trace, "resourceSpans");
    assertThat(resourceSpans).isNotEmpty();
    int spans = 0;
    for (Object o : resourceSpans) {
      Message rs = (Message) o;
      assertThat(has(rs, "resource")).as("ResourceSpans.resource").isTrue();
      List<?> scopeSpans = (List<?>) get(rs, "scope_spans");
      assertThat(scopeSpans).isNotEmpty();
      for (Object s : scopeSpans) {
        Message ss = (Message) s;
        assertThat(has(ss, "scope")).as("ScopeSpans.scope").isTrue();
        for (Object sp : (List<?>) get(ss, "spans")) {
          Message span = (Message) sp;
          assertThat(has(span, "status")).as("Span.status of " + get(span, "name")).isTrue();
          assertThat(((ByteString) get(span, "trace_id")).size()).isEqualTo(16);
          assertThat(((ByteString) get(span, "span_id")).size()).isEqualTo(8);
          assertThat((String) get(span, "name")).isNotEmpty();
          for (Object kv : (List<?>) get(span, "attributes")) {
            assertThat(has((Message) kv, "value")).isTrue();
          }
          spans++;
        }
      }
    }
    assertThat(spans).isEqualTo(expectedSpans);
  }

  @Test
  void theStatusKeepsItsCodeAndMessageAndIsZeroWhenUnset() throws Exception {
    DynamicMessage trace = TempoMessages.parse(TempoMessages.TRACE,
        TraceByIdService.protobufBody(spansWithoutStatusScopeOrResource(), false));
    StringBuilder statuses = new StringBuilder();
    for (Object rs : (List<?>) get(trace, "resourceSpans")) {
      for (Object ss : (List<?>) get((Message) rs, "scope_spans")) {
        for (Object sp : (List<?>) get((Message) ss, "spans")) {
          Message status = get((Message) sp, "status");
          FieldDescriptor code = status.getDescriptorForType().findFieldByName("code");
          statuses.append((String) get((Message) sp, "name")).append('=')
              .append(((com.google.protobuf.Descriptors.EnumValueDescriptor) status.getField(code)).getNumber())
              .append(':').append((String) get(status, "message")).append(' ');
        }
      }
    }
    assertThat(statuses.toString().trim()).isEqualTo("GET /=0: chat gpt-4o=0: retry=2:429");
  }

  @Test
  void jsonAnswersCarryTheSameMessages() throws Exception {
    List<Span> spans = spansWithoutStatusScopeOrResource();
    JsonNode v2 = JSON.readTree(TraceByIdService.jsonBody(spans, true));
    JsonNode v1 = JSON.readTree(TraceByIdService.jsonBody(spans, false));
    for (JsonNode resourceSpans : List.of(v2.get("trace").get("resourceSpans"), v1.get("batches"))) {
      // The span without a resource and the one with an empty resource share one (equal) resource.
      assertThat(resourceSpans).hasSize(2);
      for (JsonNode rs : resourceSpans) {
        assertThat(rs.has("resource")).isTrue();
        for (JsonNode ss : rs.get("scopeSpans")) {
          assertThat(ss.has("scope")).isTrue();
          for (JsonNode span : ss.get("spans")) {
            assertThat(span.get("status")).as(span.toString()).isNotNull();
            assertThat(span.get("status").isObject()).isTrue();
          }
        }
      }
    }
    // Tempo writes an unset status as an empty object (code 0 is the default).
    assertThat(v2.get("trace").get("resourceSpans").get(0).get("scopeSpans").get(0).get("spans").get(0).get("status").size()).isZero();
  }

  @Test
  void theStoredEncodingIsUnchanged() {
    // The empty messages are added to answers only: the codec the store uses still omits them.
    List<Span> spans = spansWithoutStatusScopeOrResource();
    assertThat(OtlpSpans.encodeSpan(spans.get(0)).hasStatus()).isFalse();
  }

  @SuppressWarnings("unchecked")
  static <T> T get(Message m, String field) {
    FieldDescriptor f = m.getDescriptorForType().findFieldByName(field);
    assertThat(f).as(field + " in " + m.getDescriptorForType().getFullName()).isNotNull();
    return (T) m.getField(f);
  }

  static boolean has(Message m, String field) {
    FieldDescriptor f = m.getDescriptorForType().findFieldByName(field);
    assertThat(f).as(field + " in " + m.getDescriptorForType().getFullName()).isNotNull();
    return m.hasField(f);
  }

  private static byte[] bytes(int length, int last) {
    byte[] b = new byte[length];
    b[length - 1] = (byte) last;
    return b;
  }
}
