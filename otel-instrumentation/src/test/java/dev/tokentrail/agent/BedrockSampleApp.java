package dev.tokentrail.agent;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Scope;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;

/**
 * A service using the real AWS SDK v2 Bedrock Runtime client (Converse, over the URL-connection
 * HTTP client), run in a child JVM with the OpenTelemetry agent and the TokenTrail extension
 * attached. Its caller put team and feature in the baggage.
 */
public final class BedrockSampleApp {
  static final String MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

  private BedrockSampleApp() {}

  public static void main(String[] args) {
    try (BedrockRuntimeClient client = BedrockRuntimeClient.builder()
        .endpointOverride(URI.create(args[0]))
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "test-secret")))
        .httpClient(UrlConnectionHttpClient.create())
        .build()) {
      Baggage baggage = Baggage.current().toBuilder().put("team", "search").put("feature", "answer-question").build();
      try (Scope ignored = baggage.makeCurrent()) {
        // The first call is throttled once and retried by the SDK; the second is answered at once.
        for (String question : new String[] {"my invoice is wrong", "my parcel is late"}) {
          ConverseResponse response = client.converse(r -> r.modelId(MODEL)
              .system(SystemContentBlock.fromText("Classify the ticket as billing, shipping or other."))
              .messages(Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText(question)).build())
              .inferenceConfig(c -> c.maxTokens(100)));
          System.out.println("answer: " + response.output().message().content().get(0).text());
        }
      }
    }
  }
}
