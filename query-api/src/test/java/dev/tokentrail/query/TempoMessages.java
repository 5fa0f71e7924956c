package dev.tokentrail.query;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.common.v1.CommonProto;
import io.opentelemetry.proto.trace.v1.TraceProto;

/**
 * The messages Grafana's Tempo data source decodes, as Tempo's {@code pkg/tempopb/tempo.proto}
 * defines them (field names, numbers and types; Tempo's copies of the OTLP messages are
 * wire-compatible with opentelemetry-proto's, which stand in for them here). Answers are decoded
 * with these definitions the way the plugin does: protobuf for trace by id ({@code
 * proto.Unmarshal}), strict JSON for search ({@code jsonpb.Unmarshal}, unknown fields refused).
 */
final class TempoMessages {
  static final Descriptor TRACE;
  static final Descriptor TRACE_BY_ID_RESPONSE;
  static final Descriptor SEARCH_RESPONSE;
  static final Descriptor SEARCH_TAG_VALUES_V2_RESPONSE;
  static final Descriptor SEARCH_TAG_VALUES_RESPONSE;
  static final Descriptor SEARCH_TAGS_V2_RESPONSE;
  static final Descriptor SEARCH_TAGS_RESPONSE;

  static {
    String otlpTrace = ".opentelemetry.proto.trace.v1.ResourceSpans";
    String keyValue = ".opentelemetry.proto.common.v1.KeyValue";
    FileDescriptorProto file = FileDescriptorProto.newBuilder()
        .setName("tempopb/tempo.proto")
        .setPackage("tempopb")
        .setSyntax("proto3")
        .addDependency(TraceProto.getDescriptor().getName())
        .addDependency(CommonProto.getDescriptor().getName())
        .addEnumType(EnumDescriptorProto.newBuilder().setName("PartialStatus")
            .addValue(EnumValueDescriptorProto.newBuilder().setName("COMPLETE").setNumber(0))
            .addValue(EnumValueDescriptorProto.newBuilder().setName("PARTIAL").setNumber(1)))
        .addMessageType(message("Trace", repeated("resourceSpans", 1, otlpTrace)))
        .addMessageType(message("TraceByIDMetrics",
            scalar("inspectedBytes", 1, Type.TYPE_UINT64),
            scalar("backendReads", 2, Type.TYPE_UINT64),
            scalar("backendBytes", 3, Type.TYPE_UINT64)))
        .addMessageType(message("TraceByIDResponse",
            single("trace", 1, ".tempopb.Trace"),
            single("metrics", 2, ".tempopb.TraceByIDMetrics"),
            FieldDescriptorProto.newBuilder().setName("status").setNumber(3).setLabel(Label.LABEL_OPTIONAL)
                .setType(Type.TYPE_ENUM).setTypeName(".tempopb.PartialStatus").build(),
            scalar("message", 4, Type.TYPE_STRING)))
        .addMessageType(message("ServiceStats",
            scalar("spanCount", 1, Type.TYPE_UINT32),
            scalar("errorCount", 2, Type.TYPE_UINT32)))
        .addMessageType(message("Span",
            scalar("spanID", 1, Type.TYPE_STRING),
            scalar("name", 2, Type.TYPE_STRING),
            scalar("startTimeUnixNano", 3, Type.TYPE_UINT64),
            scalar("durationNanos", 4, Type.TYPE_UINT64),
            repeated("attributes", 5, keyValue)))
        .addMessageType(message("SpanSet",
            repeated("spans", 1, ".tempopb.Span"),
            scalar("matched", 2, Type.TYPE_UINT32),
            repeated("attributes", 3, keyValue)))
        .addMessageType(message("TraceSearchMetadata",
            scalar("traceID", 1, Type.TYPE_STRING),
            scalar("rootServiceName", 2, Type.TYPE_STRING),
            scalar("rootTraceName", 3, Type.TYPE_STRING),
            scalar("startTimeUnixNano", 4, Type.TYPE_UINT64),
            scalar("durationMs", 5, Type.TYPE_UINT32),
            single("spanSet", 6, ".tempopb.SpanSet"),
            repeated("spanSets", 7, ".tempopb.SpanSet"),
            repeated("serviceStats", 8, ".tempopb.TraceSearchMetadata.ServiceStatsEntry"))
            .addNestedType(DescriptorProto.newBuilder().setName("ServiceStatsEntry")
                .setOptions(MessageOptions.newBuilder().setMapEntry(true))
                .addField(scalar("key", 1, Type.TYPE_STRING))
                .addField(single("value", 2, ".tempopb.ServiceStats"))))
        .addMessageType(message("SearchMetrics",
            scalar("inspectedTraces", 1, Type.TYPE_UINT32),
            scalar("inspectedBytes", 2, Type.TYPE_UINT64),
            scalar("totalBlocks", 3, Type.TYPE_UINT32),
            scalar("completedJobs", 4, Type.TYPE_UINT32),
            scalar("totalJobs", 5, Type.TYPE_UINT32),
            scalar("totalBlockBytes", 6, Type.TYPE_UINT64),
            scalar("inspectedSpans", 7, Type.TYPE_UINT64),
            scalar("backendReads", 8, Type.TYPE_UINT64),
            scalar("backendBytes", 9, Type.TYPE_UINT64)))
        .addMessageType(message("SearchResponse",
            repeated("traces", 1, ".tempopb.TraceSearchMetadata"),
            single("metrics", 2, ".tempopb.SearchMetrics")))
        .addMessageType(message("MetadataMetrics",
            scalar("inspectedBytes", 1, Type.TYPE_UINT64),
            scalar("totalJobs", 2, Type.TYPE_UINT32),
            scalar("completedJobs", 3, Type.TYPE_UINT32),
            scalar("totalBlocks", 4, Type.TYPE_UINT32),
            scalar("totalBlockBytes", 5, Type.TYPE_UINT64)))
        .addMessageType(message("TagValue",
            scalar("type", 1, Type.TYPE_STRING),
            scalar("value", 2, Type.TYPE_STRING)))
        .addMessageType(message("SearchTagValuesV2Response",
            repeated("tagValues", 1, ".tempopb.TagValue"),
            single("metrics", 2, ".tempopb.MetadataMetrics")))
        .addMessageType(message("SearchTagValuesResponse",
            FieldDescriptorProto.newBuilder().setName("tagValues").setNumber(1).setLabel(Label.LABEL_REPEATED)
                .setType(Type.TYPE_STRING).build(),
            single("metrics", 2, ".tempopb.MetadataMetrics")))
        .addMessageType(message("SearchTagsV2Scope",
            scalar("name", 1, Type.TYPE_STRING),
            FieldDescriptorProto.newBuilder().setName("tags").setNumber(2).setLabel(Label.LABEL_REPEATED)
                .setType(Type.TYPE_STRING).build()))
        .addMessageType(message("SearchTagsV2Response",
            repeated("scopes", 1, ".tempopb.SearchTagsV2Scope"),
            single("metrics", 2, ".tempopb.MetadataMetrics")))
        .addMessageType(message("SearchTagsResponse",
            FieldDescriptorProto.newBuilder().setName("tagNames").setNumber(1).setLabel(Label.LABEL_REPEATED)
                .setType(Type.TYPE_STRING).build(),
            single("metrics", 2, ".tempopb.MetadataMetrics")))
        .build();
    try {
      FileDescriptor built = FileDescriptor.buildFrom(file,
          new FileDescriptor[] {TraceProto.getDescriptor(), CommonProto.getDescriptor()});
      TRACE = built.findMessageTypeByName("Trace");
      TRACE_BY_ID_RESPONSE = built.findMessageTypeByName("TraceByIDResponse");
      SEARCH_RESPONSE = built.findMessageTypeByName("SearchResponse");
      SEARCH_TAG_VALUES_V2_RESPONSE = built.findMessageTypeByName("SearchTagValuesV2Response");
      SEARCH_TAG_VALUES_RESPONSE = built.findMessageTypeByName("SearchTagValuesResponse");
      SEARCH_TAGS_V2_RESPONSE = built.findMessageTypeByName("SearchTagsV2Response");
      SEARCH_TAGS_RESPONSE = built.findMessageTypeByName("SearchTagsResponse");
    } catch (DescriptorValidationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private TempoMessages() {}

  /** Protobuf bytes as Grafana's {@code proto.Unmarshal} reads them. */
  static DynamicMessage parse(Descriptor type, byte[] bytes) throws InvalidProtocolBufferException {
    return DynamicMessage.parseFrom(type, bytes);
  }

  /** JSON as Grafana's {@code jsonpb.Unmarshal} reads it: unknown fields and wrong types are errors. */
  static DynamicMessage parseJson(Descriptor type, String json) throws InvalidProtocolBufferException {
    DynamicMessage.Builder builder = DynamicMessage.newBuilder(type);
    JsonFormat.parser().usingTypeRegistry(JsonFormat.TypeRegistry.getEmptyTypeRegistry()).merge(json, builder);
    return builder.build();
  }

  private static DescriptorProto.Builder message(String name, FieldDescriptorProto... fields) {
    DescriptorProto.Builder b = DescriptorProto.newBuilder().setName(name);
    for (FieldDescriptorProto f : fields) {
      b.addField(f);
    }
    return b;
  }

  private static FieldDescriptorProto scalar(String name, int number, Type type) {
    return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setLabel(Label.LABEL_OPTIONAL).setType(type).build();
  }

  private static FieldDescriptorProto single(String name, int number, String typeName) {
    return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setLabel(Label.LABEL_OPTIONAL)
        .setType(Type.TYPE_MESSAGE).setTypeName(typeName).build();
  }

  private static FieldDescriptorProto repeated(String name, int number, String typeName) {
    return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setLabel(Label.LABEL_REPEATED)
        .setType(Type.TYPE_MESSAGE).setTypeName(typeName).build();
  }
}
