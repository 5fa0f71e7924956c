/** The span store interface that ingest and query use, and its query model. */
package dev.tokentrail.store;
