/** The HTTP API on port 3200: Tempo trace API, TokenTrail JSON API, metrics and readiness. */
package dev.tokentrail.query;
