package dev.tokentrail.agent.fingerprint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestFingerprintTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] SALT = "salt-a".getBytes(StandardCharsets.UTF_8);

  @SuppressWarnings("unchecked")
  private static RequestFingerprint of(String json, byte[] salt) throws Exception {
    return RequestFingerprint.of(JSON.readValue(json, Map.class), salt);
  }

  private static RequestFingerprint of(String json) throws Exception {
    return of(json, SALT);
  }

  @Test
  void keyOrderNumberSpellingAndTransportFieldsDoNotChangeTheRequestHash() throws Exception {
    RequestFingerprint a = of("{\"model\":\"gpt-4o\",\"temperature\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    RequestFingerprint b = of("{\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],\"stream\":true,"
        + "\"stream_options\":{\"include_usage\":true},\"user\":\"u-17\",\"metadata\":{\"k\":\"v\"},"
        + "\"temperature\":1.0,\"model\":\"gpt-4o\"}");
    assertThat(a.requestHash()).isEqualTo(b.requestHash()).matches("[0-9a-f]{32}");
  }

  @Test
  void whatTheModelIsAskedChangesTheRequestHash() throws Exception {
    String base = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    RequestFingerprint a = of(base + "}");
    assertThat(of(base.replace("hi", "hi!") + "}").requestHash()).isNotEqualTo(a.requestHash());
    assertThat(of(base.replace("gpt-4o", "gpt-4o-mini") + "}").requestHash()).isNotEqualTo(a.requestHash());
    assertThat(of(base + ",\"temperature\":0.2}").requestHash()).isNotEqualTo(a.requestHash());
    assertThat(of(base + ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}").requestHash())
        .isNotEqualTo(a.requestHash());
  }

  @Test
  void theSaltKeysTheHashes() throws Exception {
    String json = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    RequestFingerprint a = of(json);
    RequestFingerprint b = of(json, "salt-b".getBytes(StandardCharsets.UTF_8));
    assertThat(a.requestHash()).isNotEqualTo(b.requestHash());
    assertThat(a.prefixHash()).isNotEqualTo(b.prefixHash());
    assertThat(of(json).requestHash()).isEqualTo(a.requestHash());
  }

  @Test
  void questionsUnderOneSystemPromptShareTheirPrefix() throws Exception {
    String system = "{\"role\":\"system\",\"content\":\"You classify tickets.\"}";
    RequestFingerprint a = of("{\"model\":\"gpt-4o\",\"temperature\":0,\"messages\":[" + system + ",{\"role\":\"user\",\"content\":\"invoice\"}]}");
    RequestFingerprint b = of("{\"model\":\"gpt-4o\",\"temperature\":0.7,\"messages\":[" + system + ",{\"role\":\"user\",\"content\":\"parcel\"}]}");
    assertThat(a.requestHash()).isNotEqualTo(b.requestHash());
    assertThat(a.prefixHash()).isEqualTo(b.prefixHash()); // sampling settings are not part of a cached prefix
    RequestFingerprint otherModel = of("{\"model\":\"gpt-4o-mini\",\"messages\":[" + system + ",{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(otherModel.prefixHash()).isNotEqualTo(a.prefixHash());
  }

  @Test
  void theNextTurnsPrefixIsTheConversationSoFar() throws Exception {
    String turn1 = "{\"role\":\"user\",\"content\":\"plan a trip\"}";
    String answer1 = "{\"role\":\"assistant\",\"content\":\"where to?\"}";
    RequestFingerprint second = of("{\"model\":\"m\",\"messages\":[" + turn1 + "," + answer1 + ",{\"role\":\"user\",\"content\":\"Rome\"}]}");
    RequestFingerprint sameSoFar = of("{\"model\":\"m\",\"messages\":[" + turn1 + "," + answer1 + ",{\"role\":\"user\",\"content\":\"Oslo\"}]}");
    assertThat(second.prefixHash()).isEqualTo(sameSoFar.prefixHash());
    // A tool result after the last user turn is part of the turn, not of the prefix.
    RequestFingerprint withTool = of("{\"model\":\"m\",\"messages\":[" + turn1 + "," + answer1
        + ",{\"role\":\"user\",\"content\":\"Rome\"},{\"role\":\"tool\",\"content\":\"sunny\"}]}");
    assertThat(withTool.prefixHash()).isEqualTo(second.prefixHash());
  }

  @Test
  void anthropicSystemAndToolsArePartOfThePrefix() throws Exception {
    String messages = "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"q\"}]}]";
    RequestFingerprint a = of("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"system\":\"be brief\"," + messages + "}");
    RequestFingerprint b = of("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"system\":\"be verbose\"," + messages + "}");
    assertThat(a.prefixHash()).isNotEqualTo(b.prefixHash());
  }

  @Test
  void aRequestWithoutMessagesHasNoPrefix() throws Exception {
    RequestFingerprint embedding = of("{\"model\":\"text-embedding-3-small\",\"input\":\"some text\"}");
    assertThat(embedding.requestHash()).matches("[0-9a-f]{32}");
    assertThat(embedding.prefixHash()).isNull();
    assertThat(of("{\"model\":\"gpt-4.1\",\"input\":[{\"role\":\"user\",\"content\":\"hi\"}]}").prefixHash()).isNotNull();
  }

  @Test
  void canonicalTextEscapesControlCharactersAndQuotes() {
    StringBuilder out = new StringBuilder();
    RequestFingerprint.appendCanonical(out, Map.of("b", "x\"y\n", "a", java.util.List.of(1, 2.5, true)));
    assertThat(out.toString()).isEqualTo("{\"a\":[1,2.5,true],\"b\":\"x\\\"y\\u000a\"}");
  }

  /** The hashed texts are the canonical JSON of the normalized request and of the prefix, keys sorted. */
  @Test
  void theHashesAreHmacsOfTheCanonicalTexts() throws Exception {
    RequestFingerprint f = of("{\"stream\":true,\"temperature\":0.5,\"model\":\"m\",\"system\":\"s\",\"max_tokens\":9,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"b\"},"
        + "{\"role\":\"user\",\"content\":\"c\\\"d\"}]}");
    String messages = "{\"content\":\"a\",\"role\":\"user\"},{\"content\":\"b\",\"role\":\"assistant\"}";
    assertThat(f.requestHash()).isEqualTo(hmac("{\"max_tokens\":9,\"messages\":[" + messages
        + ",{\"content\":\"c\\\"d\",\"role\":\"user\"}],\"model\":\"m\",\"system\":\"s\",\"temperature\":0.5}"));
    assertThat(f.prefixHash()).isEqualTo(hmac("{\"messages\":[" + messages + "],\"model\":\"m\",\"system\":\"s\"}"));
  }

  private static String hmac(String text) throws Exception {
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(new javax.crypto.spec.SecretKeySpec(SALT, "HmacSHA256"));
    byte[] digest = mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    StringBuilder hex = new StringBuilder();
    for (int i = 0; i < 16; i++) {
      hex.append(String.format("%02x", digest[i]));
    }
    return hex.toString();
  }

  @Test
  void prefixTokensAreEstimatedFromThePrefixBytesAtFourBytesPerToken() throws Exception {
    String system = "x".repeat(4000);
    RequestFingerprint f = of("{\"model\":\"claude-sonnet-4-5\",\"system\":\"" + system + "\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"what is new?\"}]}");
    // Canonical pieces of the prefix: "model":"claude-sonnet-4-5" (27 bytes) and "system":"x...x" (4011 bytes).
    assertThat(f.prefixTokens()).isEqualTo((27 + 4011 + 3) / 4);
    RequestFingerprint later = of("{\"model\":\"claude-sonnet-4-5\",\"system\":\"" + system + "\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"what is new?\"},{\"role\":\"assistant\",\"content\":\"ok\"},"
        + "{\"role\":\"user\",\"content\":\"more\"}]}");
    assertThat(later.prefixTokens()).isGreaterThan(f.prefixTokens()); // earlier turns are part of the prefix
    assertThat(of("{\"model\":\"text-embedding-3-small\",\"input\":\"hi\"}").prefixTokens()).isEqualTo(-1);
  }
}
