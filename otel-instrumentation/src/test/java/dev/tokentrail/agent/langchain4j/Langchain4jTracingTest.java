package dev.tokentrail.agent.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.TimeoutException;
import org.junit.jupiter.api.Test;

class Langchain4jTracingTest {
  @Test
  void providerErrorsAreTypedByTheirHttpStatus() {
    HttpException http = new HttpException(400, "{\"error\":{}}");

    assertThat(Langchain4jTracing.errorType(http)).isEqualTo("400");
    // LangChain4j maps the status to its own exception, with the HTTP one as the cause.
    assertThat(Langchain4jTracing.errorType(new InvalidRequestException(http))).isEqualTo("400");
  }

  @Test
  void errorsWithoutStatusAreTypedByClassName() {
    assertThat(Langchain4jTracing.errorType(new TimeoutException("read timed out")))
        .isEqualTo("dev.langchain4j.exception.TimeoutException");
    assertThat(Langchain4jTracing.errorType(new IllegalStateException("boom"))).isEqualTo("java.lang.IllegalStateException");
  }

  @Test
  void finishReasonsUseTheConventionsWords() {
    assertThat(Langchain4jTracing.finishReason("STOP")).isEqualTo("stop");
    assertThat(Langchain4jTracing.finishReason("LENGTH")).isEqualTo("length");
    assertThat(Langchain4jTracing.finishReason("TOOL_EXECUTION")).isEqualTo("tool_calls");
    assertThat(Langchain4jTracing.finishReason("CONTENT_FILTER")).isEqualTo("content_filter");
    assertThat(Langchain4jTracing.finishReason("OTHER")).isEqualTo("other");
  }
}
