/**
 * Starting a real OpenSearch node as a child process, for this module's tests, the server's
 * integration tests and the side-by-side benchmark. Depends on nothing but the JDK.
 */
package dev.tokentrail.store.opensearch.testing;
