package dev.tokentrail.store;

import java.util.List;

/** Attribute names by scope, sorted. */
public record TagNames(List<String> span, List<String> resource) {}
