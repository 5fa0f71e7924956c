package dev.tokentrail.store;

/** One distinct value of a tag, typed as TraceQL types it: string, int, float, bool. */
public record TagValue(String type, String value) {}
