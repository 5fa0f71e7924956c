package dev.tokentrail.pricing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Catalogs for the tests: the built-in catalog with a small catalog file applied. The files only
 * price models of providers and ids the built-in catalog does not have (provider {@code
 * fixture-ai}, ids {@code fx-*}), so the tests compute every amount from prices they write
 * themselves and a price update of the built-in catalog cannot change them.
 */
final class Fixtures {
  static final String PROVIDER = "fixture-ai";

  private Fixtures() {}

  /** The built-in catalog with {@code yaml} applied as a file named {@code test.yaml}. */
  static PriceCatalog withFile(String yaml) {
    return PriceCatalog.builtIn().overriddenBy(stream(yaml), "test.yaml");
  }

  /** The built-in catalog with a file of src/test/resources applied. */
  static PriceCatalog withResource(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/" + name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is not on the test class path");
      }
      return PriceCatalog.builtIn().overriddenBy(in, name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static InputStream stream(String yaml) {
    return new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8));
  }

  /** Lines joined by newlines (the module's tests compile for Java 11: no text blocks). */
  static String lines(String... lines) {
    return String.join("\n", lines) + "\n";
  }

  static Instant at(String isoInstant) {
    return Instant.parse(isoInstant);
  }
}
