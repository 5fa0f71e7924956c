package dev.tokentrail.agent.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A LangChain4j {@code ChatRequest} as the JSON-like tree {@code RequestFingerprint} hashes: the model,
 * the sampling parameters, the messages in order as {@code {role, content}} (the system message is a
 * message with role {@code system}, as in OpenAI's chat body) and the tools. The tree is the same
 * whichever provider module sends it, so a request hashes the same through any LangChain4j model.
 */
final class ChatRequestTree {
  private ChatRequestTree() {}

  static Map<String, Object> of(ChatRequest request, String model) {
    Map<String, Object> tree = new LinkedHashMap<>();
    tree.put("model", model);
    putIfSet(tree, "temperature", request.temperature());
    putIfSet(tree, "top_p", request.topP());
    putIfSet(tree, "top_k", request.topK());
    putIfSet(tree, "max_tokens", request.maxOutputTokens());
    putIfSet(tree, "frequency_penalty", request.frequencyPenalty());
    putIfSet(tree, "presence_penalty", request.presencePenalty());
    List<String> stop = request.stopSequences();
    if (stop != null && !stop.isEmpty()) {
      tree.put("stop", stop);
    }
    List<ChatMessage> messages = request.messages();
    List<Object> out = new ArrayList<>(messages.size());
    for (ChatMessage message : messages) {
      out.add(message(message));
    }
    tree.put("messages", out);
    List<ToolSpecification> tools = request.toolSpecifications();
    if (tools != null && !tools.isEmpty()) {
      List<Object> toolTree = new ArrayList<>(tools.size());
      for (ToolSpecification tool : tools) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("name", tool.name());
        t.put("description", tool.description());
        t.put("parameters", tool.parameters() == null ? null : tool.parameters().toString());
        toolTree.add(t);
      }
      tree.put("tools", toolTree);
    }
    return tree;
  }

  private static void putIfSet(Map<String, Object> tree, String key, Object value) {
    if (value != null) {
      tree.put(key, value);
    }
  }

  static Map<String, Object> message(ChatMessage message) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (message instanceof SystemMessage) {
      m.put("role", "system");
      m.put("content", ((SystemMessage) message).text());
    } else if (message instanceof UserMessage) {
      m.put("role", "user");
      m.put("content", contents(((UserMessage) message).contents()));
    } else if (message instanceof AiMessage) {
      AiMessage ai = (AiMessage) message;
      m.put("role", "assistant");
      m.put("content", ai.text());
      List<ToolExecutionRequest> calls = ai.toolExecutionRequests();
      if (calls != null && !calls.isEmpty()) {
        List<Object> c = new ArrayList<>(calls.size());
        for (ToolExecutionRequest call : calls) {
          Map<String, Object> t = new LinkedHashMap<>();
          t.put("id", call.id());
          t.put("name", call.name());
          t.put("arguments", call.arguments());
          c.add(t);
        }
        m.put("tool_calls", c);
      }
    } else if (message instanceof ToolExecutionResultMessage) {
      ToolExecutionResultMessage result = (ToolExecutionResultMessage) message;
      m.put("role", "tool");
      m.put("tool_call_id", result.id());
      m.put("content", result.text());
    } else {
      m.put("role", String.valueOf(message.type()).toLowerCase(Locale.ROOT));
      m.put("content", String.valueOf(message));
    }
    return m;
  }

  /** The text of a user message; each non-text part (image, audio, ...) as its type and value. */
  private static Object contents(List<Content> contents) {
    if (contents.size() == 1 && contents.get(0) instanceof TextContent) {
      return ((TextContent) contents.get(0)).text();
    }
    List<Object> parts = new ArrayList<>(contents.size());
    for (Content content : contents) {
      if (content instanceof TextContent) {
        parts.add(((TextContent) content).text());
      } else {
        parts.add(String.valueOf(content));
      }
    }
    return parts;
  }
}
