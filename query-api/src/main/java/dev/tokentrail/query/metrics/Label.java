package dev.tokentrail.query.metrics;

/**
 * A series or exemplar label; the value is a String, Long, Double or Boolean.
 *
 * <p>PLACEHOLDER (issue 11, streaming branch): a copy of the TraceQL metrics engine's type; the
 * merge replaces this file with the engine's.
 */
public record Label(String key, Object value) {}
