package dev.tokentrail.security;

import java.util.Locale;

/**
 * What a token may do. {@code ingest} sends spans to the OTLP ports, {@code query} reads its
 * tenant's data through the query API, {@code admin} may also reprice stored calls and read every
 * tenant's series on {@code /metrics}; an admin token may do what the other two may.
 */
public enum Role {
  INGEST,
  QUERY,
  ADMIN;

  /** The role named {@code name} as written in the tokens file (lower case). */
  static Role parse(String name) {
    for (Role r : values()) {
      if (r.name().toLowerCase(Locale.ROOT).equals(name)) {
        return r;
      }
    }
    throw new IllegalArgumentException("role: '" + name + "' (expected: ingest, query or admin)");
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
