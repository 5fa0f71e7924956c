package dev.tokentrail.ingest;

import static dev.tokentrail.ingest.OtlpRequests.chatSpan;
import static dev.tokentrail.ingest.OtlpRequests.randomSpanId;
import static dev.tokentrail.ingest.OtlpRequests.randomTraceId;
import static dev.tokentrail.ingest.OtlpRequests.request;
import static dev.tokentrail.ingest.OtlpRequests.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DroppedAttributesTest {
  private final Map<DroppedAttributes.Scope, Integer> counted = new EnumMap<>(DroppedAttributes.Scope.class);

  @Test
  void exactKeysAndWildcardPatternsMatchWholeKeys() {
    DroppedAttributes dropped = DroppedAttributes.of(List.of("user.email", "gen_ai.prompt*", "*.password", "app.*.secret"));

    assertThat(dropped.drops("user.email")).isTrue();
    assertThat(dropped.drops("user.email.domain")).isFalse();
    assertThat(dropped.drops("gen_ai.prompt")).isTrue();
    assertThat(dropped.drops("gen_ai.prompt.0.content")).isTrue();
    assertThat(dropped.drops("db.password")).isTrue();
    assertThat(dropped.drops("password")).isFalse();
    assertThat(dropped.drops("app.billing.secret")).isTrue();
    assertThat(dropped.drops("app.secret")).as("the middle * needs its dots around it").isFalse();
    assertThat(dropped.drops("gen_ai.usage.input_tokens")).isFalse();
  }

  @Test
  void matchingAttributesAreRemovedFromEveryScopeAndCountedWhereTheyWere() {
    Span.Builder span = chatSpan(randomTraceId(), randomSpanId(), "gpt-4o", 10, 5)
        .addAttributes(string("user.email", "ann@example.com"))
        .addEvents(Span.Event.newBuilder().setName("gen_ai.content.prompt").addAttributes(string("gen_ai.prompt", "my secret"))
            .addAttributes(string("kept", "yes")))
        .addLinks(Span.Link.newBuilder().setTraceId(span().getTraceId()).setSpanId(span().getSpanId())
            .addAttributes(string("user.email", "bob@example.com")));
    ExportTraceServiceRequest in = request(span);
    in = in.toBuilder().setResourceSpans(0, in.getResourceSpans(0).toBuilder()
        .setResource(in.getResourceSpans(0).getResource().toBuilder().addAttributes(string("user.email", "ops@example.com")))).build();

    ExportTraceServiceRequest out = DroppedAttributes.of(List.of("user.email", "gen_ai.prompt*")).apply(in, this::count);

    var resource = out.getResourceSpans(0).getResource();
    Span stored = out.getResourceSpans(0).getScopeSpans(0).getSpans(0);
    assertThat(keys(resource.getAttributesList())).containsExactly("service.name");
    assertThat(resource.getDroppedAttributesCount()).isEqualTo(1);
    assertThat(keys(stored.getAttributesList())).doesNotContain("user.email").contains("gen_ai.request.model");
    assertThat(stored.getDroppedAttributesCount()).isEqualTo(1);
    assertThat(keys(stored.getEvents(0).getAttributesList())).containsExactly("kept");
    assertThat(stored.getEvents(0).getDroppedAttributesCount()).isEqualTo(1);
    assertThat(stored.getLinks(0).getAttributesList()).isEmpty();
    assertThat(counted).containsExactlyInAnyOrderEntriesOf(Map.of(
        DroppedAttributes.Scope.RESOURCE, 1, DroppedAttributes.Scope.SPAN, 1,
        DroppedAttributes.Scope.EVENT, 1, DroppedAttributes.Scope.LINK, 1));
  }

  @Test
  void anExportWithoutMatchingKeysIsReturnedAsItCame() {
    ExportTraceServiceRequest in = request(chatSpan(randomTraceId(), randomSpanId(), "gpt-4o", 10, 5));

    assertThat(DroppedAttributes.of(List.of("user.*")).apply(in, this::count)).isSameAs(in);
    assertThat(DroppedAttributes.none().apply(in, this::count)).isSameAs(in);
    assertThat(counted).isEmpty();
  }

  @Test
  void patternsThatWouldDropEverythingOrNothingAreRefused() {
    assertThatIllegalArgumentException().isThrownBy(() -> DroppedAttributes.of(List.of("*")))
        .withMessageContaining("ingest.drop_attributes: * would drop every attribute");
    assertThatIllegalArgumentException().isThrownBy(() -> DroppedAttributes.of(List.of(" ")))
        .withMessageContaining("ingest.drop_attributes: an empty pattern");
  }

  private void count(DroppedAttributes.Scope scope, int n) {
    counted.merge(scope, n, Integer::sum);
  }

  private static Span span() {
    return chatSpan(randomTraceId(), randomSpanId(), "gpt-4o", 1, 1).build();
  }

  private static List<String> keys(List<KeyValue> attributes) {
    return attributes.stream().map(KeyValue::getKey).toList();
  }
}
