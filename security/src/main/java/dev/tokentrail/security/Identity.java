package dev.tokentrail.security;

import java.util.Set;

/** Who a valid token speaks for: its tenant and the roles it was given. */
public record Identity(String tenant, Set<Role> roles) {
  public Identity {
    roles = Set.copyOf(roles);
  }

  /** Whether this identity may act in {@code role}; {@link Role#ADMIN} may act in every role. */
  public boolean may(Role role) {
    return roles.contains(role) || roles.contains(Role.ADMIN);
  }
}
