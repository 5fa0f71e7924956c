package dev.tokentrail.genai;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Which attribute keys name each attribution dimension, in priority order. Each key is looked up on
 * the span, then on its resource, then as a baggage-derived span attribute ({@code baggage.KEY}).
 */
public record AttributionKeys(
    List<String> team,
    List<String> project,
    List<String> costCenter,
    List<String> feature,
    List<String> user) {

  public static final AttributionKeys DEFAULT =
      new AttributionKeys(
          List.of("tokentrail.team", "team", "team.name", "app.team", "owner.team"),
          List.of("tokentrail.project", "project", "project.name", "app.project"),
          List.of("tokentrail.cost_center", "cost_center", "cost.center", "costcenter"),
          List.of("tokentrail.feature", "feature", "feature.name", "app.feature"),
          List.of("tokentrail.user", "enduser.id", "user.id", "user"));

  public AttributionKeys {
    team = List.copyOf(requireNonNull(team, "team"));
    project = List.copyOf(requireNonNull(project, "project"));
    costCenter = List.copyOf(requireNonNull(costCenter, "costCenter"));
    feature = List.copyOf(requireNonNull(feature, "feature"));
    user = List.copyOf(requireNonNull(user, "user"));
  }
}
