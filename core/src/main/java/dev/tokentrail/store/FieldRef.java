package dev.tokentrail.store;

import static java.util.Objects.requireNonNull;

/**
 * An attribute or intrinsic a query refers to: {@code span.gen_ai.request.model}, {@code
 * resource.service.name}, {@code .team} (either scope) or an intrinsic such as {@code duration}.
 */
public record FieldRef(Scope scope, String name) {
  public enum Scope {
    SPAN,
    RESOURCE,
    /** Unscoped: matches a span attribute or a resource attribute. */
    ANY,
    INTRINSIC
  }

  /** Intrinsics the store understands. */
  public static final String NAME = "name";
  public static final String STATUS = "status";
  public static final String KIND = "kind";
  public static final String DURATION = "duration";
  public static final String SERVICE = "rootServiceName";
  public static final String ROOT_NAME = "rootName";
  public static final String TRACE_DURATION = "traceDuration";
  public static final String STATUS_MESSAGE = "statusMessage";

  public FieldRef {
    requireNonNull(scope, "scope");
    requireNonNull(name, "name");
  }

  public static FieldRef span(String name) {
    return new FieldRef(Scope.SPAN, name);
  }

  public static FieldRef resource(String name) {
    return new FieldRef(Scope.RESOURCE, name);
  }

  public static FieldRef any(String name) {
    return new FieldRef(Scope.ANY, name);
  }

  public static FieldRef intrinsic(String name) {
    return new FieldRef(Scope.INTRINSIC, name);
  }

  @Override
  public String toString() {
    return switch (scope) {
      case SPAN -> "span." + name;
      case RESOURCE -> "resource." + name;
      case ANY -> "." + name;
      case INTRINSIC -> name;
    };
  }
}
