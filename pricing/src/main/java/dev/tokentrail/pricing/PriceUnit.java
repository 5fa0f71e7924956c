package dev.tokentrail.pricing;

/**
 * The token kinds a price can be set for, with their genai-prices price key and TokenTrail's
 * catalog-file key. Prices are USD per million tokens.
 */
public enum PriceUnit {
  INPUT("input_mtok", "input", true),
  CACHE_READ("cache_read_mtok", "cache_read", true),
  /** A cache write with the provider's default lifetime (Anthropic: 5 minutes). */
  CACHE_WRITE("cache_write_mtok", "cache_write", true),
  /** A cache write with a one-hour lifetime (Anthropic's extended cache). */
  CACHE_WRITE_1H("cache_write_1h_mtok", "cache_write_1h", true),
  INPUT_AUDIO("input_audio_mtok", "input_audio", true),
  CACHE_AUDIO_READ("cache_audio_read_mtok", "cache_audio_read", true),
  INPUT_IMAGE("input_image_mtok", "input_image", true),
  OUTPUT("output_mtok", "output", false),
  OUTPUT_AUDIO("output_audio_mtok", "output_audio", false),
  OUTPUT_IMAGE("output_image_mtok", "output_image", false);

  private static final PriceUnit[] ALL = values();
  private final String genaiPricesKey;
  private final String fileKey;
  private final boolean input;

  PriceUnit(String genaiPricesKey, String fileKey, boolean input) {
    this.genaiPricesKey = genaiPricesKey;
    this.fileKey = fileKey;
    this.input = input;
  }

  /** The key in genai-prices data ({@code input_mtok}). */
  public String genaiPricesKey() {
    return genaiPricesKey;
  }

  /** The key in TokenTrail's catalog files ({@code input}). */
  public String fileKey() {
    return fileKey;
  }

  /** Whether the unit is billed as input (else output). */
  public boolean isInput() {
    return input;
  }

  static PriceUnit byGenaiPricesKey(String key) {
    for (PriceUnit unit : ALL) {
      if (unit.genaiPricesKey.equals(key)) {
        return unit;
      }
    }
    return null;
  }

  static PriceUnit byFileKey(String key) {
    for (PriceUnit unit : ALL) {
      if (unit.fileKey.equals(key)) {
        return unit;
      }
    }
    return null;
  }
}
