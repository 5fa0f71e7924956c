package dev.tokentrail.agent.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.tokentrail.agent.fingerprint.RequestFingerprint;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChatRequestTreeTest {
  private static final byte[] SALT = "test-salt".getBytes(StandardCharsets.UTF_8);
  private static final SystemMessage SYSTEM = SystemMessage.from("You are a triage bot.");

  @Test
  void messagesBecomeRoleAndContentInOrderWithTheSystemMessageFirst() {
    ToolExecutionRequest call = ToolExecutionRequest.builder().id("call_1").name("lookup").arguments("{\"id\":7}").build();
    ChatRequest request = ChatRequest.builder()
        .messages(SYSTEM, UserMessage.from("Where is order 7?"), AiMessage.from(call),
            ToolExecutionResultMessage.from(call, "shipped"))
        .toolSpecifications(ToolSpecification.builder().name("lookup").description("Finds an order").build())
        .temperature(0.2).maxOutputTokens(256)
        .build();

    Map<String, Object> tree = ChatRequestTree.of(request, "gpt-4o-mini");

    assertThat(tree).containsEntry("model", "gpt-4o-mini").containsEntry("temperature", 0.2).containsEntry("max_tokens", 256);
    List<?> messages = (List<?>) tree.get("messages");
    assertThat(messages).hasSize(4);
    assertThat(messages.get(0)).isEqualTo(Map.of("role", "system", "content", "You are a triage bot."));
    assertThat(messages.get(1)).isEqualTo(Map.of("role", "user", "content", "Where is order 7?"));
    @SuppressWarnings("unchecked")
    Map<String, Object> assistant = (Map<String, Object>) messages.get(2);
    assertThat(assistant).containsEntry("role", "assistant")
        .containsEntry("tool_calls", List.of(Map.of("id", "call_1", "name", "lookup", "arguments", "{\"id\":7}")));
    assertThat(messages.get(3)).isEqualTo(Map.of("role", "tool", "tool_call_id", "call_1", "content", "shipped"));
    assertThat((List<?>) tree.get("tools")).hasSize(1);
  }

  @Test
  void questionsSharingTheSystemPromptShareThePrefixHashOnly() {
    RequestFingerprint invoice = fingerprint(UserMessage.from("Classify: my invoice is wrong"));
    RequestFingerprint parcel = fingerprint(UserMessage.from("Classify: my parcel is late"));

    assertThat(invoice.requestHash()).matches("[0-9a-f]{32}").isNotEqualTo(parcel.requestHash());
    assertThat(invoice.prefixHash()).matches("[0-9a-f]{32}").isEqualTo(parcel.prefixHash());
  }

  @Test
  void theSameRequestAlwaysHashesTheSame() {
    assertThat(fingerprint(UserMessage.from("Classify: my invoice is wrong")).requestHash())
        .isEqualTo(fingerprint(UserMessage.from("Classify: my invoice is wrong")).requestHash());
  }

  private static RequestFingerprint fingerprint(UserMessage question) {
    ChatRequest request = ChatRequest.builder().messages(SYSTEM, question).build();
    return RequestFingerprint.of(ChatRequestTree.of(request, "gpt-4o-mini"), SALT);
  }
}
