package dev.tokentrail.query.traceql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.tokentrail.store.SpanFilter.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Lenient reading of tag-value filters. Cases come from what Grafana's TraceQL editor sends (the
 * whole editor text while the cursor is in a value: grafana-tempo-datasource
 * src/traceql/situation.ts, autocomplete.ts) and from Tempo's own tests of the same behaviour
 * (pkg/traceql/lenient_parser_test.go, lenient_extract_test.go). Groups are written {@code a, b |
 * c}: OR groups separated by {@code |}, AND-ed conditions by commas; {@code *} is "no narrowing".
 */
class LenientConditionsTest {

  static String describe(List<List<Condition>> groups) {
    if (groups == null) {
      return "*";
    }
    return groups.stream()
        .map(g -> g.stream().map(c -> c.field() + " " + c.op() + (c.value() == null ? "" : " " + ("".equals(c.value()) ? "\"\"" : c.value())))
            .collect(Collectors.joining(", ")))
        .collect(Collectors.joining(" | "));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiterString = " => ", textBlock = """
      '' => *
      {} => *
      { } => *
      { => *
      { span.gen_ai.request.model = } => *
      { span.gen_ai.request.model =  => *
      { span.gen_ai.request.model = => *
      { span.gen_ai.request.model =~ } => *
      { resource.service.name = "support-bot" && span.gen_ai.request.model = } => resource.service.name EQ support-bot
      { resource.service.name = "support-bot" && span.gen_ai.request.model =  => resource.service.name EQ support-bot
      { span.gen_ai.request.model = && resource.service.name = "support-bot" } => resource.service.name EQ support-bot
      { .a = && .b = && .c = 1 } => .c EQ 1
      { .a = && .b = } => *
      { .a != } => *
      { !.foo = } => *
      { resource.service.name = "support-bot" && span.gen_ai.request.model = "gpt => resource.service.name EQ support-bot
      { span.gen_ai.request.model = "gpt => *
      { span.gen_ai.request.model = "" } => span.gen_ai.request.model EQ ""
      { .a = 1 && } => *
      { .a = 1 &&  => *
      { .a = 1 || } => *
      { .a = 1 } => .a EQ 1
      { .a = 1 => .a EQ 1
      { .a = 1 && .b = "two" && .c > 3 } => .a EQ 1, .b EQ two, .c GT 3
      { .a = 1 && .b = "two" && name = } => .a EQ 1, .b EQ two
      { .a = 1 && status = } => .a EQ 1
      { .a = 1 && duration > } => .a EQ 1
      { .a = 1 && kind = } => .a EQ 1
      { duration > 5s && .success = true && .cluster = } => duration GT 5000000000, .success EQ true
      { status = error && span.tokentrail.cost.usd > } => status EQ error
      { (.foo = "bar" || .baz = "qux") } => .foo EQ bar | .baz EQ qux
      { .foo = "bar" || .baz = } => *
      { .foo = "bar" || true } => *
      { (.a = 1 || .b = 2) && .c = 3 } => .a EQ 1, .c EQ 3 | .b EQ 2, .c EQ 3
      { ( .attr = "123" || .service = "b" ) && ( .service = "a" || .env = "staging" ) } => .attr EQ 123, .service EQ a | .service EQ b, .service EQ a | .attr EQ 123, .env EQ staging | .service EQ b, .env EQ staging
      { (.a = ) && .b = 1 } => .b EQ 1
      { ((.a = ) && .b = 1) || .c = 2 } => .b EQ 1 | .c EQ 2
      { (.a = 1 && (.b = )) && .c = 2 } => .a EQ 1, .c EQ 2
      { .foo = "bar" } >> { .bar = "baz" } => *
      { .foo = "bar" && .baz = } >> { .bar = "qux" } => *
      { .a = "x" } && { .b = } => *
      { .a = "x" } || { .b = "y" } => *
      { .foo = "bar" && .baz = } | rate() by (.qux) => .foo EQ bar
      { .foo = && .bar = "baz" } | select(.qux) => .bar EQ baz
      { .bar = "baz" && .foo = } | count() > 5 | avg(duration) > 1s => .bar EQ baz
      { .bar = "baz" && .foo = } | count() > => *
      { .foo = "bar" } | { .baz = } => *
      { .bar = "baz" } | select(.a => *
      { .a = .b && .c = } => *
      { .a = .b && .service = "x" && .c = } => .service EQ x
      { 200 = .status_code && .method = } => .status_code EQ 200
      { 200 < .status_code } => .status_code GT 200
      { .a + .b = 3 && .c = "x" } => .c EQ x
      { .a = (.b + .c) && .d = "x" } => .d EQ x
      { .a = -1 && .b = } => .a EQ -1
      { .a = nil && .b = } => .a NOT_EXISTS
      { .a != nil && .b = } => *
      { .a != nil && .c = 2 && .b = } => .c EQ 2
      { span.a && .c = 2 } => .c EQ 2
      { span.a } => *
      { name && .c = 2 } => *
      { span."foo bar" = "baz" && resource."service name" = } => span.foo bar EQ baz
      { span.foo = "<>:b5[]" && resource.service.name = } => span.foo EQ <>:b5[]
      { .foo =~ "(a|b)" && .bar = } => .foo REGEX (a|b)
      { event.name = "x" && .c = 2 } => .c EQ 2
      { !(.a = 1) && .c = 2 } => .c EQ 2
      { span.tokentrail.cost.usd > 0.5 && span.gen_ai.request.model = } => span.tokentrail.cost.usd GT 0.5
      not a query at all ??? => *
      && => *
      { .a = 1 & .b = 2 } => *
      ({ .a = 1 && .b = }) => .a EQ 1
      """)
  void readsWhatTheEditorSends(String query, String expected) {
    String q = query == null ? "" : query;
    assertThat(describe(LenientConditions.extract(q))).as(q).isEqualTo(expected);
  }

  @Test
  void conditionsMeanWhatTheyMeanInASearch() {
    List<List<Condition>> groups = LenientConditions.extract("{ span.gen_ai.usage.input_tokens > 50000 && span.tokentrail.cost.usd >= 0.5 && span.x = ");
    assertThat(groups).hasSize(1);
    assertThat(groups.get(0).get(0).value()).isEqualTo(50_000L);
    assertThat(groups.get(0).get(1).value()).isEqualTo(0.5);
  }

  @Test
  void anEmptyStringValueIsACompleteCondition() {
    // Tempo reads `{ .a = "" }` as complete: the editor's auto-closed quotes therefore narrow to "".
    assertThat(LenientConditions.extract("{ span.a = \"\" }")).hasSize(1);
  }

  @Test
  void tooManyOrGroupsIsTemposError() {
    List<String> ors = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      ors.add("(.a" + i + " = 1 || .b" + i + " = 2)");
    }
    String query = "{ " + String.join(" && ", ors) + " }";
    assertThatIllegalArgumentException().isThrownBy(() -> LenientConditions.extract(query))
        .withMessageContaining("maximum condition groups reached (limit: 100)");
    // 2^6 = 64 groups is within the limit.
    assertThat(LenientConditions.extract("{ " + String.join(" && ", ors.subList(0, 6)) + " }")).hasSize(64);
  }

  @Test
  void neverThrowsOnGarbage() {
    for (String q : List.of("{", "}", "((", "{ .a = \"", "{ span.\"unclosed = 1 }", "{ .a = 1 } |", "| count()",
        "{ .a =~ `x }", "{ 1 = 1 }", "{ .a = 1 } | count() > 2 )", "{ . = 1 }", "{ .a >>= 1 }", "{ .a = 1s1 }",
        "{ resource.service.name = \"a\" && span.x = \"b\" } && { span.y = }", "{ .a = 1 }}", "{ .a = 1e }")) {
      LenientConditions.extract(q);
    }
  }
}
