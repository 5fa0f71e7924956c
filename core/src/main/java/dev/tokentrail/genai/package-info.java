/** Recognizing LLM calls among spans of any GenAI convention and writing their canonical attributes. */
package dev.tokentrail.genai;
