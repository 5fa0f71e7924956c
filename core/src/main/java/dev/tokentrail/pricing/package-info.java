/** The versioned price catalog and the cost of an LLM call. */
package dev.tokentrail.pricing;
