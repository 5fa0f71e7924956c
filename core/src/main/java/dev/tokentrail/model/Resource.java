package dev.tokentrail.model;

import java.util.Map;

/** The entity that produced spans: usually one service instance. Shared by its spans. */
public record Resource(Map<String, Object> attributes) {
  public static final Resource EMPTY = new Resource(Map.of());

  public Resource {
    attributes = attributes == null ? Map.of() : attributes;
  }

  public static Resource of(Map<String, Object> attributes) {
    return new Resource(java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(attributes)));
  }

  /** {@code service.name}, or {@code unknown_service} as the OTel SDKs default it. */
  public String serviceName() {
    Object name = attributes.get("service.name");
    return name instanceof String s && !s.isEmpty() ? s : "unknown_service";
  }
}
