package dev.tokentrail.store;

import java.util.regex.Pattern;

/**
 * Tenant ids. Every write and read of a store names the tenant it acts for; a store never shows
 * one tenant's spans, tags, calls or outcomes to another. Until requests carry a tenant ({@code
 * X-Scope-OrgID}), everything belongs to {@link #DEFAULT}, the name Grafana Tempo gives the single
 * tenant of a server without multi-tenancy.
 */
public final class Tenants {
  /** The tenant of a server without multi-tenancy. */
  public static final String DEFAULT = "single-tenant";

  /** What a tenant id may be: what Tempo and Cortex accept in {@code X-Scope-OrgID}, up to 150 chars. */
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9!._*'()-]{1,150}");

  private Tenants() {}

  /**
   * {@code tenant} when it is a valid id.
   *
   * @throws IllegalArgumentException naming the accepted characters otherwise
   */
  public static String check(String tenant) {
    if (tenant == null || !VALID.matcher(tenant).matches() || tenant.equals(".") || tenant.equals("..")) {
      throw new IllegalArgumentException("tenant: '" + tenant
          + "' (expected: 1-150 characters of A-Z a-z 0-9 ! - _ . * ' ( ), not '.' or '..')");
    }
    return tenant;
  }
}
