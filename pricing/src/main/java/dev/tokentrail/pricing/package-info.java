/**
 * The price catalog and the cost of an LLM call, shared by the server and the agent extension.
 * The catalog is a pinned snapshot of Pydantic's genai-prices, corrected and completed by
 * TokenTrail's sourced overlay and optionally by a user's file; see docs/pricing.md.
 */
package dev.tokentrail.pricing;
