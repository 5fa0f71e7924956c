package dev.tokentrail.pricing;

/**
 * A {@code prompt_caching} entry of a catalog file: the prompt cache of a provider's models, or of
 * those its {@code match} rule selects (a model-specific minimum is an entry with a match listed
 * before the provider's general entry).
 */
final class PromptCacheRule {
  private final String provider;
  private final MatchRule match;
  private final PromptCache cache;

  PromptCacheRule(String provider, MatchRule match, PromptCache cache) {
    this.provider = provider;
    this.match = match;
    this.cache = cache;
  }

  boolean applies(String providerId, String modelId) {
    return provider.equals(providerId) && (match == null || match.matches(modelId));
  }

  PromptCache cache() {
    return cache;
  }
}
