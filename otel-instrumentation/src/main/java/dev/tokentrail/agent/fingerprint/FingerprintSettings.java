package dev.tokentrail.agent.fingerprint;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Locale;

/**
 * The salt of the request fingerprints and whether prompt text may be recorded. The fingerprinting
 * code runs in the application's classloaders, where the agent's configuration object is out of
 * reach, so it reads the two keys itself, as the agent reads any key: the system property, else the
 * environment variable ({@code OTEL_INSTRUMENTATION_TOKENTRAIL_HASH_SALT}, ...). Nothing is
 * published anywhere: a salt the user did not set is generated here and never leaves this class.
 */
public final class FingerprintSettings {
  public static final String SALT_PROPERTY = "otel.instrumentation.tokentrail.hash-salt";
  public static final String CAPTURE_CONTENT_PROPERTY = "otel.instrumentation.tokentrail.capture-content";
  public static final String ENABLED_PROPERTY = "otel.instrumentation.tokentrail.enabled";
  /** The agent's switch of the instrumentation module that reads request bodies; it turns off every fingerprint. */
  public static final String FINGERPRINTS_ENABLED_PROPERTY = "otel.instrumentation.tokentrail-request-fingerprint.enabled";

  private static volatile FingerprintSettings current;
  private static volatile boolean read;

  private final byte[] salt;
  private final boolean generatedSalt;
  private final boolean captureContent;

  private FingerprintSettings(byte[] salt, boolean generatedSalt, boolean captureContent) {
    this.salt = salt;
    this.generatedSalt = generatedSalt;
    this.captureContent = captureContent;
  }

  /** The salt the hashes are keyed with. */
  public byte[] salt() {
    return salt;
  }

  /** Whether no salt was configured, so a random one keys this classloader's hashes. */
  public boolean generatedSalt() {
    return generatedSalt;
  }

  /** Whether request messages may be recorded on spans as {@code gen_ai.input.messages}. */
  public boolean captureContent() {
    return captureContent;
  }

  /**
   * The settings, or null when fingerprints are off: the extension ({@code
   * otel.instrumentation.tokentrail.enabled=false}) or its request-fingerprint module ({@code
   * otel.instrumentation.tokentrail-request-fingerprint.enabled=false}) is turned off.
   */
  public static FingerprintSettings get() {
    if (!read) {
      synchronized (FingerprintSettings.class) {
        if (!read) {
          current = readConfiguration();
          read = true;
        }
      }
    }
    return current;
  }

  /** Reads the configuration again (tests and benchmarks change it). */
  public static synchronized void reload() {
    read = false;
    current = null;
  }

  private static FingerprintSettings readConfiguration() {
    if ("false".equalsIgnoreCase(value(ENABLED_PROPERTY)) || "false".equalsIgnoreCase(value(FINGERPRINTS_ENABLED_PROPERTY))) {
      return null;
    }
    String salt = value(SALT_PROPERTY);
    boolean generated = salt == null || salt.isEmpty();
    byte[] key;
    if (generated) {
      key = new byte[32];
      new SecureRandom().nextBytes(key);
    } else {
      key = salt.getBytes(StandardCharsets.UTF_8);
    }
    return new FingerprintSettings(key, generated, "true".equalsIgnoreCase(value(CAPTURE_CONTENT_PROPERTY)));
  }

  /** The system property, else the environment variable the agent maps it to. */
  static String value(String property) {
    String value = System.getProperty(property);
    if (value == null) {
      value = System.getenv(property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
    }
    return value;
  }
}
