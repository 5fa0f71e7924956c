package dev.tokentrail.security;

import static java.util.Objects.requireNonNull;

import dev.tokentrail.store.Tenants;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One parsed tokens file: lines {@code <token-or-sha256:hex> <tenant> <roles>}, roles a comma list
 * of {@code ingest}, {@code query}, {@code admin}; blank lines and {@code #} comments ignored. Only
 * SHA-256 digests are kept, and a presented token is found by hashing it and comparing its digest
 * with every entry's in constant time ({@link MessageDigest#isEqual}), so neither a timing nor the
 * heap tells a token away.
 */
public final class Tokens {
  private static final String HASH_PREFIX = "sha256:";

  private final byte[][] digests;
  private final Identity[] identities;
  private final Set<String> tenants;

  private Tokens(List<byte[]> digests, List<Identity> identities) {
    this.digests = digests.toArray(new byte[0][]);
    this.identities = identities.toArray(new Identity[0]);
    Set<String> names = new LinkedHashSet<>();
    identities.forEach(i -> names.add(i.tenant()));
    this.tenants = Set.copyOf(names);
  }

  /**
   * Parses the lines of a tokens file; {@code source} names it in error messages.
   *
   * @throws IllegalArgumentException naming the line and what is wrong with it
   */
  public static Tokens parse(List<String> lines, String source) {
    requireNonNull(lines, "lines");
    List<byte[]> digests = new ArrayList<>();
    List<Identity> identities = new ArrayList<>();
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = source + " line " + (n + 1);
      String[] parts = line.split("\\s+");
      if (parts.length != 3) {
        throw new IllegalArgumentException(where + ": " + parts.length
            + " fields (expected: <token or sha256:hex> <tenant> <roles>)");
      }
      byte[] digest = digestOf(parts[0], where);
      for (byte[] seen : digests) {
        if (MessageDigest.isEqual(seen, digest)) {
          throw new IllegalArgumentException(where + ": the same token appears twice");
        }
      }
      String tenant;
      try {
        tenant = Tenants.check(parts[1]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
      Set<Role> roles = EnumSet.noneOf(Role.class);
      for (String role : parts[2].split(",")) {
        try {
          roles.add(Role.parse(role.strip()));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
      }
      digests.add(digest);
      identities.add(new Identity(tenant, roles));
    }
    return new Tokens(digests, identities);
  }

  private static byte[] digestOf(String field, String where) {
    if (!field.regionMatches(true, 0, HASH_PREFIX, 0, HASH_PREFIX.length())) {
      return sha256(field);
    }
    String hex = field.substring(HASH_PREFIX.length());
    if (hex.length() != 64) {
      throw new IllegalArgumentException(where + ": a sha256 digest of " + hex.length()
          + " hex digits (expected: 64, as printed by 'printf %s TOKEN | sha256sum')");
    }
    try {
      return HexFormat.of().parseHex(hex);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": the sha256 digest is not hex (expected: 64 of 0-9 a-f)", e);
    }
  }

  /** The SHA-256 of a token's UTF-8 bytes. */
  static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  /** Who {@code token} speaks for, or null when no line holds it. Every entry is compared. */
  public Identity find(String token) {
    requireNonNull(token, "token");
    byte[] digest = sha256(token);
    Identity found = null;
    for (int i = 0; i < digests.length; i++) {
      if (MessageDigest.isEqual(digests[i], digest) && found == null) {
        found = identities[i];
      }
    }
    return found;
  }

  /** The tenants named in the file: the only values a metric's {@code tenant} label takes. */
  public Set<String> tenants() {
    return tenants;
  }

  /** How many tokens the file holds. */
  public int size() {
    return digests.length;
  }
}
