package dev.tokentrail.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.SpanKind;
import dev.tokentrail.model.TraceId;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpanJsonTest {
  @Test
  void typedFieldsAreTopLevelAndTheRestStaysUnderAttributes() throws Exception {
    Span span =
        Span.builder()
            .traceId(TraceId.fromHex("0af7651916cd43dd8448eb211c80319c"))
            .spanId(SpanId.fromHex("b7ad6b7169203331"))
            .parentSpanId(SpanId.fromHex("00f067aa0ba902b7"))
            .name("chat gpt-4o")
            .kind(SpanKind.CLIENT)
            .startEpochNanos(2_000)
            .endEpochNanos(5_000)
            .resource(Resource.of(Map.of("service.name", "checkout-api")))
            .attribute("gen_ai.request.model", "gpt-4o")
            .attribute("gen_ai.usage.input_tokens", 1200L)
            .attribute("tokentrail.cost.usd", 0.0042)
            .attribute("server.port", 443L)
            .build();

    JsonNode doc = new ObjectMapper().readTree(SpanJson.toJson(span, 1_000));

    assertThat(doc.path(SpanJson.TRACE_ID).asText()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    assertThat(doc.path(SpanJson.SERVICE).asText()).isEqualTo("checkout-api");
    assertThat(doc.path(SpanJson.TRACE_START).asLong()).isEqualTo(1_000);
    assertThat(doc.path(SpanJson.DURATION).asLong()).isEqualTo(3_000);
    assertThat(doc.path(SpanJson.MODEL).asText()).isEqualTo("gpt-4o");
    assertThat(doc.path(SpanJson.INPUT_TOKENS).asLong()).isEqualTo(1200);
    assertThat(doc.path(SpanJson.COST).asDouble()).isEqualTo(0.0042);
    assertThat(doc.path("attributes").fieldNames()).toIterable().containsExactly("server.port");
    assertThat(doc.path("resource").path("service.name").asText()).isEqualTo("checkout-api");
  }
}
