package dev.tokentrail.agent;

import dev.tokentrail.pricing.PriceCatalog;

import dev.tokentrail.agent.fingerprint.FingerprintSettings;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Registers TokenTrail's span processor with the agent's tracer provider. Configuration, as agent
 * properties (or {@code OTEL_INSTRUMENTATION_TOKENTRAIL_*} environment variables):
 *
 * <ul>
 *   <li>{@code otel.instrumentation.tokentrail.enabled} (true)
 *   <li>{@code otel.instrumentation.tokentrail.price-catalog}: a YAML file overriding the built-in prices
 *   <li>{@code otel.instrumentation.tokentrail.baggage-keys}: baggage keys copied as {@code tokentrail.KEY}
 *       (team, project, cost_center, feature, user, task; {@code conversation} becomes {@code gen_ai.conversation.id})
 *   <li>{@code otel.instrumentation.tokentrail.hash-salt}: the secret the request fingerprints are keyed
 *       with (default: random per process, so hashes compare only within one process)
 *   <li>{@code otel.instrumentation.tokentrail.capture-content} (false): record request messages as
 *       {@code gen_ai.input.messages}
 * </ul>
 *
 * Registered through {@code META-INF/services}, as the agent's extension loader finds it.
 */
public final class TokenTrailAgentCustomizer implements AutoConfigurationCustomizerProvider {
  private static final Logger LOG = Logger.getLogger(TokenTrailAgentCustomizer.class.getName());

  @Override
  public void customize(AutoConfigurationCustomizer customizer) {
    customizer.addTracerProviderCustomizer((builder, config) -> {
      if (!config.getBoolean("otel.instrumentation.tokentrail.enabled", true)) {
        BedrockUsageExtractor.active = false;
        return builder;
      }
      try {
        return builder.addSpanProcessor(processor(config));
      } catch (RuntimeException | java.io.IOException e) {
        // A broken catalog file must not stop the application: log and run without pricing.
        BedrockUsageExtractor.active = false;
        LOG.log(Level.SEVERE, "tokentrail: extension disabled: " + e.getMessage(), e);
        return builder;
      }
    });
  }

  static LlmSpanProcessor processor(ConfigProperties config) throws java.io.IOException {
    String catalogFile = config.getString("otel.instrumentation.tokentrail.price-catalog");
    PriceCatalog prices = catalogFile == null || catalogFile.isEmpty()
        ? PriceCatalog.builtIn()
        : PriceCatalog.withFile(Path.of(catalogFile));
    List<String> keys = config.getList("otel.instrumentation.tokentrail.baggage-keys", LlmSpanProcessor.defaultBaggageKeys());
    Map<String, AttributeKey<String>> baggage = LlmSpanProcessor.baggageAttributes(keys);
    LOG.info("tokentrail: pricing GenAI spans with catalog " + prices.version());
    // The fingerprinting code reads the salt itself, from system properties and the environment only.
    String configuredSalt = config.getString(FingerprintSettings.SALT_PROPERTY);
    FingerprintSettings fingerprints = FingerprintSettings.get();
    if (fingerprints != null && fingerprints.generatedSalt()) {
      LOG.log(configuredSalt == null ? Level.INFO : Level.WARNING, configuredSalt == null
          ? "tokentrail: no " + FingerprintSettings.SALT_PROPERTY + " set: request hashes use a random salt and compare only within this process"
          : "tokentrail: " + FingerprintSettings.SALT_PROPERTY + " from a configuration file is not seen by the request "
              + "fingerprints: set it as a system property or the environment variable OTEL_INSTRUMENTATION_TOKENTRAIL_HASH_SALT");
    }
    // The global OpenTelemetry is not set while the agent configures itself: touching it here would
    // make the agent fail to start. The instruments are created on first use.
    return new LlmSpanProcessor(prices, baggage, new GenAiClientMetrics(() -> GlobalOpenTelemetry.getMeter("dev.tokentrail.agent")));
  }
}
