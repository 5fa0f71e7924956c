package dev.tokentrail.security;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tokens file named by {@code auth.tokens_file}, read at start (a bad file stops the start)
 * and read again whenever its content changes: a poll compares the file's SHA-256 every interval,
 * so an edit, an atomic rename or a Kubernetes secret update are all seen. A changed file that does
 * not parse keeps the last good tokens and logs why, so a typo never locks everyone out.
 */
public final class TokensFile implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TokensFile.class);

  private final Path path;
  private final ScheduledExecutorService poller;
  private volatile Tokens tokens;
  private byte[] lastDigest;

  private TokensFile(Path path, Duration pollInterval) {
    this.path = path;
    byte[] content = read(path);
    this.tokens = Tokens.parse(lines(content), path.toString());
    this.lastDigest = digest(content);
    this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tokentrail-tokens-file");
      t.setDaemon(true);
      return t;
    });
    long millis = pollInterval.toMillis();
    poller.scheduleWithFixedDelay(this::reloadIfChanged, millis, millis, TimeUnit.MILLISECONDS);
  }

  /**
   * Reads {@code path} and polls it for changes every {@code pollInterval}.
   *
   * @throws IllegalArgumentException when the file cannot be read or does not parse
   */
  public static TokensFile open(Path path, Duration pollInterval) {
    requireNonNull(path, "path");
    requireNonNull(pollInterval, "pollInterval");
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("pollInterval: " + pollInterval + " (expected: > 0)");
    }
    return new TokensFile(path, pollInterval);
  }

  /** The tokens of the last good read. */
  public Tokens tokens() {
    return tokens;
  }

  /** Reads the file again if its content changed; keeps the last good tokens when it is bad. */
  synchronized void reloadIfChanged() {
    byte[] content;
    try {
      content = Files.readAllBytes(path);
    } catch (IOException e) {
      LOG.warn("tokens file {} unreadable ({}); keeping the {} tokens read before", path, e.toString(), tokens.size());
      return;
    }
    byte[] digest = digest(content);
    if (Arrays.equals(digest, lastDigest)) {
      return;
    }
    lastDigest = digest;
    try {
      tokens = Tokens.parse(lines(content), path.toString());
      LOG.info("tokens file {} reloaded: {} tokens for {} tenants", path, tokens.size(), tokens.tenants().size());
    } catch (IllegalArgumentException e) {
      LOG.warn("tokens file {} changed but is invalid ({}); keeping the {} tokens read before",
          path, e.getMessage(), tokens.size());
    }
  }

  private static byte[] read(Path path) {
    try {
      return Files.readAllBytes(path);
    } catch (IOException e) {
      throw new IllegalArgumentException("auth.tokens_file: " + path + " unreadable (" + e + ")", e);
    }
  }

  private static List<String> lines(byte[] content) {
    return new String(content, StandardCharsets.UTF_8).lines().toList();
  }

  private static byte[] digest(byte[] content) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(content);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
