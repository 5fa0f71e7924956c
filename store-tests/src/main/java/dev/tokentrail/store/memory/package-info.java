/**
 * The in-memory reference store: a plain, obviously-correct {@link dev.tokentrail.store.SpanStore}
 * that follows the store contract literally. The conformance suite compares real stores with it,
 * and the query API's handler tests use it as a fast backend.
 */
package dev.tokentrail.store.memory;
