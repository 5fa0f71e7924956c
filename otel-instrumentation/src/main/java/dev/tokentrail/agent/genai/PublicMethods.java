package dev.tokentrail.agent.genai;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * Finds a method through a public class or interface of a type. Code injected into the application
 * reads SDK and agent objects whose classes may be package-private implementations; a method found on
 * such a class cannot be invoked, the same method declared by a public supertype can. Callers cache
 * what this finds (a {@code ClassValue}): the search is not cheap.
 */
public final class PublicMethods {
  private PublicMethods() {}

  /** The public method {@code name(parameterTypes)} as a public supertype of {@code type} declares it, or null. */
  public static Method find(Class<?> type, String name, Class<?>... parameterTypes) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      Method m = declaredPublicly(c, name, parameterTypes);
      if (m != null) {
        return m;
      }
    }
    return null;
  }

  private static Method declaredPublicly(Class<?> type, String name, Class<?>[] parameterTypes) {
    if (Modifier.isPublic(type.getModifiers())) {
      try {
        return type.getMethod(name, parameterTypes);
      } catch (NoSuchMethodException | RuntimeException | LinkageError e) {
        // Not here: look at the interfaces.
      }
    }
    for (Class<?> iface : type.getInterfaces()) {
      Method m = declaredPublicly(iface, name, parameterTypes);
      if (m != null) {
        return m;
      }
    }
    return null;
  }
}
