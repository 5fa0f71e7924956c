package dev.tokentrail.agent.fingerprint;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The salt of the request fingerprints and whether prompt text may be recorded. The extension's
 * customizer resolves both once from the agent configuration ({@link #publish}) and publishes them as
 * system properties, because the fingerprinting code runs in the application's classloaders, where
 * the agent configuration is out of reach. Without a published salt (the extension is off),
 * nothing is fingerprinted.
 */
public final class FingerprintSettings {
  public static final String SALT_PROPERTY = "otel.instrumentation.tokentrail.hash-salt";
  public static final String CAPTURE_CONTENT_PROPERTY = "otel.instrumentation.tokentrail.capture-content";

  private static volatile FingerprintSettings current;

  private final byte[] salt;
  private final boolean captureContent;

  private FingerprintSettings(byte[] salt, boolean captureContent) {
    this.salt = salt;
    this.captureContent = captureContent;
  }

  /** The salt the hashes are keyed with. */
  public byte[] salt() {
    return salt;
  }

  /** Whether request messages may be recorded on spans as {@code gen_ai.input.messages}. */
  public boolean captureContent() {
    return captureContent;
  }

  /**
   * Publishes the resolved settings. A missing or empty {@code salt} becomes a random one: hashes are
   * then comparable only within this process, so fleets set one shared secret salt.
   *
   * @return whether the salt was generated
   */
  public static boolean publish(String salt, boolean captureContent) {
    boolean generated = salt == null || salt.isEmpty();
    if (generated) {
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      salt = Base64.getEncoder().encodeToString(random);
    }
    System.setProperty(SALT_PROPERTY, salt);
    System.setProperty(CAPTURE_CONTENT_PROPERTY, Boolean.toString(captureContent));
    current = null;
    return generated;
  }

  /** Withdraws the published settings: nothing is fingerprinted afterwards. */
  static void withdraw() {
    System.clearProperty(SALT_PROPERTY);
    System.clearProperty(CAPTURE_CONTENT_PROPERTY);
    current = null;
  }

  /** The published settings, or null when the extension did not publish any. */
  public static FingerprintSettings get() {
    FingerprintSettings settings = current;
    if (settings == null) {
      String salt = System.getProperty(SALT_PROPERTY);
      if (salt == null || salt.isEmpty()) {
        return null;
      }
      settings = new FingerprintSettings(salt.getBytes(StandardCharsets.UTF_8),
          Boolean.parseBoolean(System.getProperty(CAPTURE_CONTENT_PROPERTY)));
      current = settings;
    }
    return settings;
  }
}
