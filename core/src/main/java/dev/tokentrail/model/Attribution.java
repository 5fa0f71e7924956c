package dev.tokentrail.model;

/** Who a call is charged to. Each field may be {@code null} when nothing said it. */
public record Attribution(
    String team, String project, String costCenter, String feature, String user) {
  public static final Attribution NONE = new Attribution(null, null, null, null, null);
}
