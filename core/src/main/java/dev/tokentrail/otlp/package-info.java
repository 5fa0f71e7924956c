/** OTLP codecs: protobuf and OTLP/JSON to the canonical model and back. */
package dev.tokentrail.otlp;
