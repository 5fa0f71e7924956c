/**
 * The span store conformance suite: abstract JUnit 5 contracts, one per area of the store
 * interface, that every {@link dev.tokentrail.store.SpanStore} implementation extends with a
 * {@link dev.tokentrail.store.conformance.StoreHarness}, and seeded randomized comparisons against
 * the in-memory reference store.
 */
package dev.tokentrail.store.conformance;
