/** OTLP receivers (gRPC, HTTP protobuf, HTTP JSON) and the transport-independent ingest pipeline. */
package dev.tokentrail.ingest;
