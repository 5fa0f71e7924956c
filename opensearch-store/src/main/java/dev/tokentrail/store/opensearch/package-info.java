/**
 * The OpenSearch span store: {@link dev.tokentrail.store.opensearch.OpenSearchSpanStore} keeps
 * spans in an OpenSearch cluster behind the same {@link dev.tokentrail.store.SpanStore} contract as
 * the embedded Lucene store, so ingest and query processes become stateless and scale out. See
 * {@code docs/scale-out.md} for the index design and what is pushed down to OpenSearch.
 */
package dev.tokentrail.store.opensearch;
