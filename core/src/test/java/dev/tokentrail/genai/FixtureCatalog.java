package dev.tokentrail.genai;

import dev.tokentrail.pricing.PriceCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The price catalog of core's tests: the built-in catalog with src/test/resources/
 * fixture-catalog.yaml applied. Tests only price the fixture's models (provider {@link #PROVIDER}
 * and {@code anthropic/fixture-sonnet}), whose made-up prices they compute their amounts from, so
 * a price update of the built-in catalog does not change them.
 */
public final class FixtureCatalog {
  /** The fixture's own provider, unknown to the built-in catalog. */
  public static final String PROVIDER = "fixture-ai";

  public static final PriceCatalog CATALOG = load();

  private FixtureCatalog() {}

  private static PriceCatalog load() {
    try (InputStream in = FixtureCatalog.class.getResourceAsStream("/fixture-catalog.yaml")) {
      if (in == null) {
        throw new IllegalStateException("fixture-catalog.yaml is not on the test class path");
      }
      return PriceCatalog.builtIn().overriddenBy(in, "fixture-catalog.yaml");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
