package dev.tokentrail.query.traceql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokentrail.store.AggregateCondition;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanFilter.Condition;
import dev.tokentrail.store.SpanFilter.Op;
import dev.tokentrail.store.Spansets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TraceQlParserTest {

  private static SpanFilter only(String query) {
    TraceQl q = TraceQlParser.parse(query);
    assertThat(q.spansets()).isInstanceOf(Spansets.Filter.class);
    return ((Spansets.Filter) q.spansets()).filter();
  }

  @Test
  void emptySpansetAndEmptyQueryMatchEverything() {
    assertThat(only("{ }")).isEqualTo(SpanFilter.all());
    assertThat(only("{}")).isEqualTo(SpanFilter.all());
    assertThat(((Spansets.Filter) TraceQlParser.parse("").spansets()).filter()).isEqualTo(SpanFilter.all());
  }

  @Test
  void scopedAttributesAndTypedValues() {
    assertThat(only("{ span.gen_ai.request.model = \"gpt-4o\" }"))
        .isEqualTo(new Condition(FieldRef.span("gen_ai.request.model"), Op.EQ, "gpt-4o"));
    assertThat(only("{ resource.service.name != \"etl\" }"))
        .isEqualTo(new Condition(FieldRef.resource("service.name"), Op.NEQ, "etl"));
    assertThat(only("{ .team = `search` }")).isEqualTo(new Condition(FieldRef.any("team"), Op.EQ, "search"));
    assertThat(only("{ span.gen_ai.usage.input_tokens > 50000 }"))
        .isEqualTo(new Condition(FieldRef.span("gen_ai.usage.input_tokens"), Op.GT, 50000L));
    assertThat(only("{ span.tokentrail.cost.usd >= 0.25 }"))
        .isEqualTo(new Condition(FieldRef.span("tokentrail.cost.usd"), Op.GTE, 0.25));
    assertThat(only("{ span.x = -3 }")).isEqualTo(new Condition(FieldRef.span("x"), Op.EQ, -3L));
    assertThat(only("{ span.cached = true }")).isEqualTo(new Condition(FieldRef.span("cached"), Op.EQ, Boolean.TRUE));
    assertThat(only("{ span.\"my attr\" = 1 }")).isEqualTo(new Condition(FieldRef.span("my attr"), Op.EQ, 1L));
  }

  @Test
  void nilChecks() {
    assertThat(only("{ span.gen_ai.conversation.id != nil }"))
        .isEqualTo(new Condition(FieldRef.span("gen_ai.conversation.id"), Op.EXISTS, null));
    assertThat(only("{ span.error.type = nil }"))
        .isEqualTo(new Condition(FieldRef.span("error.type"), Op.NOT_EXISTS, null));
  }

  @Test
  void intrinsicsWithEnumsAndDurations() {
    assertThat(only("{ status = error }")).isEqualTo(new Condition(FieldRef.intrinsic("status"), Op.EQ, "error"));
    assertThat(only("{ kind = client }")).isEqualTo(new Condition(FieldRef.intrinsic("kind"), Op.EQ, "client"));
    assertThat(only("{ duration > 1.5s }")).isEqualTo(new Condition(FieldRef.intrinsic("duration"), Op.GT, 1_500_000_000L));
    assertThat(only("{ traceDuration < 300ms }"))
        .isEqualTo(new Condition(FieldRef.intrinsic("traceDuration"), Op.LT, 300_000_000L));
    assertThat(only("{ rootServiceName =~ \"support.*\" }"))
        .isEqualTo(new Condition(FieldRef.intrinsic("rootServiceName"), Op.REGEX, "support.*"));
    assertThat(only("{ span:name = \"chat\" }")).isEqualTo(new Condition(FieldRef.intrinsic("name"), Op.EQ, "chat"));
    assertThat(only("{ trace:rootService = \"a\" }")).isEqualTo(new Condition(FieldRef.intrinsic("rootServiceName"), Op.EQ, "a"));
  }

  @Test
  void andBindsTighterThanOrInsideASpanset() {
    SpanFilter f = only("{ span.a = 1 || span.b = 2 && span.c = 3 }");
    assertThat(f).isEqualTo(new SpanFilter.Or(List.of(
        new Condition(FieldRef.span("a"), Op.EQ, 1L),
        new SpanFilter.And(List.of(
            new Condition(FieldRef.span("b"), Op.EQ, 2L),
            new Condition(FieldRef.span("c"), Op.EQ, 3L))))));
    SpanFilter grouped = only("{ (span.a = 1 || span.b = 2) && span.c = 3 }");
    assertThat(grouped).isInstanceOf(SpanFilter.And.class);
  }

  @Test
  void spansetsCombineWithAndOr() {
    TraceQl q = TraceQlParser.parse("{ span.a = 1 } && ({ span.b = 2 } || { span.c = 3 })");
    assertThat(q.spansets()).isInstanceOf(Spansets.Combine.class);
    Spansets.Combine and = (Spansets.Combine) q.spansets();
    assertThat(and.and()).isTrue();
    assertThat(((Spansets.Combine) and.right()).and()).isFalse();
  }

  @Test
  void theCostlyRunsQueryParses() {
    TraceQl q = TraceQlParser.parse(
        "{ resource.service.name = \"support-bot\" && span.gen_ai.request.model =~ \"claude.*\" } | sum(span.tokentrail.cost.usd) > 0.5");
    assertThat(q.aggregates()).containsExactly(new AggregateCondition(
        AggregateCondition.Function.SUM, FieldRef.span("tokentrail.cost.usd"), Op.GT, 0.5));
    assertThat(q.aggregates().get(0).label()).isEqualTo("sum(span.tokentrail.cost.usd)");
  }

  @Test
  void pipelineStages() {
    TraceQl q = TraceQlParser.parse("{ } | count() > 3 | avg(duration) > 2s | select(span.tokentrail.cost.usd, resource.service.name)");
    assertThat(q.aggregates()).hasSize(2);
    assertThat(q.aggregates().get(0)).isEqualTo(new AggregateCondition(AggregateCondition.Function.COUNT, null, Op.GT, 3));
    assertThat(q.aggregates().get(1).value()).isEqualTo(2e9);
    assertThat(q.select()).containsExactly(FieldRef.span("tokentrail.cost.usd"), FieldRef.resource("service.name"));
    assertThat(TraceQlParser.parse("{ } | select(span.tokentrail.cost.usd)").aggregates()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
      "'{ span.a = 1 } >> { span.b = 2 }'  | column 16: structural operator '>>' is not supported",
      "'{ span.a = 1 } ~ { span.b = 2 }'   | column 16: structural operator '~' is not supported",
      "'{ span.a = 1 } | by(span.team)'    | column 18: pipeline stage 'by()' is not supported",
      "'{ span.a = 1 } | rate()'           | column 18: 'rate()' is a metrics function",
      "'{ event.name = \"x\" }'            | column 3: scope 'event' is not supported",
      "'{ foo = 1 }'                       | column 3: unknown intrinsic or unscoped name 'foo'",
      "'{ span.a = }'                      | column 12: expected a value, found '}'",
      "'{ span.a = 1'                      | column 13: expected '}' or && / ||, found 'end of query'",
      "'span.a = 1'                        | column 1: expected a spanset '{ ... }', found 'span.a'",
      "'{ status = broken }'               | column 12: unexpected 'broken'",
      "'{ duration > 5 }'                  | column 14: duration compares with a duration",
      "'{ span.a = \"x }'                  | column 12: unterminated string",
      "'{ span.a = 1 } | count() > \"x\"'  | column 28: expected a number",
      "'{ span.a > 3kb }'                  | column 13: unknown duration unit 'kb'",
      "'{ !(span.a = 1) }'                 | column 3: negation '!' of an expression is not supported",
  })
  void unsupportedOrBrokenSyntaxNamesTheConstructAndColumn(String query, String message) {
    assertThatThrownBy(() -> TraceQlParser.parse(query))
        .isInstanceOf(TraceQlException.class)
        .hasMessageContaining(message.trim());
  }
}
