/** The embedded Lucene span store: write-ahead log, time partitions, trace rollups, retention. */
package dev.tokentrail.store.lucene;
