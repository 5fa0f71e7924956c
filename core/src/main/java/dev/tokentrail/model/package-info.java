/** The canonical span and LLM-call model shared by every module; no protobuf or Lucene here. */
package dev.tokentrail.model;
