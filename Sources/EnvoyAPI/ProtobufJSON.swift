import CEnvoyAPI
import Foundation

/// Renders protobuf-c messages as JSON by walking their descriptors.
///
/// Field names stay in snake_case and default values are omitted, as in
/// Envoy's admin `/config_dump`; `Any` values are expanded with their
/// `@type`, and the well-known types take their JSON forms (`"5s"` for a Duration).
public enum ProtobufJSON {
    /// Renders serialized `bytes` of the message named by `typeURL` (or full name).
    /// Returns nil for a type Meridian does not know or bytes that do not decode.
    public static func render(typeURL: String, bytes: some Collection<UInt8>) -> JSONValue? {
        let name = typeURL.split(separator: "/").last.map(String.init) ?? typeURL
        guard let descriptor = KnownMessages.descriptor(named: name) else { return nil }
        let array = Array(bytes)
        guard let message = array.withUnsafeBufferPointer({ protobuf_c_message_unpack(descriptor, nil, $0.count, $0.baseAddress) }) else {
            return nil
        }
        defer { protobuf_c_message_free_unpacked(message, nil) }
        return renderMessage(UnsafeRawPointer(message), descriptor)
    }

    static func renderMessage(_ message: UnsafeRawPointer, _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>) -> JSONValue {
        let fullName = String(cString: descriptor.pointee.name)
        if let special = renderWellKnown(message, descriptor, fullName: fullName) { return special }
        var members: [(String, JSONValue)] = []
        for index in 0..<Int(descriptor.pointee.n_fields) {
            let field = descriptor.pointee.fields.advanced(by: index)
            if let value = renderField(message, field.pointee) {
                members.append((String(cString: field.pointee.name), value))
            }
        }
        return .object(members)
    }

    private static func renderField(_ message: UnsafeRawPointer, _ field: ProtobufCFieldDescriptor) -> JSONValue? {
        if field.flags & UInt32(PROTOBUF_C_FIELD_FLAG_ONEOF.rawValue) != 0 {
            let activeCase = message.load(fromByteOffset: Int(field.quantifier_offset), as: UInt32.self)
            guard activeCase == field.id else { return nil }
            return renderValue(message.advanced(by: Int(field.offset)), field, omitDefault: false)
        }
        switch field.label {
        case PROTOBUF_C_LABEL_REPEATED:
            let count = message.load(fromByteOffset: Int(field.quantifier_offset), as: Int.self)
            guard count > 0, let elements = message.load(fromByteOffset: Int(field.offset), as: UnsafeRawPointer?.self) else { return nil }
            let stride = elementSize(field.type)
            if field.type == PROTOBUF_C_TYPE_MESSAGE, let entry = field.descriptor?.assumingMemoryBound(to: ProtobufCMessageDescriptor.self), isMapEntry(entry, of: field) {
                return .object((0..<count).compactMap { index in
                    guard let pair = elements.load(fromByteOffset: index * stride, as: UnsafeRawPointer?.self),
                          case .object(let members) = renderMessage(pair, entry) else { return nil }
                    let key = members.first { $0.0 == "key" }?.1
                    let keyText: String
                    switch key {
                    case .string(let text): keyText = text
                    case .integer(let value): keyText = String(value)
                    case .bool(let value): keyText = String(value)
                    default: keyText = ""
                    }
                    return (keyText, members.first { $0.0 == "value" }?.1 ?? .null)
                })
            }
            return .array((0..<count).compactMap { renderValue(elements.advanced(by: $0 * stride), field, omitDefault: false) })
        case PROTOBUF_C_LABEL_OPTIONAL where field.type != PROTOBUF_C_TYPE_MESSAGE && field.type != PROTOBUF_C_TYPE_STRING:
            guard message.load(fromByteOffset: Int(field.quantifier_offset), as: Int32.self) != 0 else { return nil }
            return renderValue(message.advanced(by: Int(field.offset)), field, omitDefault: false)
        default:
            return renderValue(message.advanced(by: Int(field.offset)), field, omitDefault: true)
        }
    }

    private static func renderValue(_ slot: UnsafeRawPointer, _ field: ProtobufCFieldDescriptor, omitDefault: Bool) -> JSONValue? {
        func integer<T: BinaryInteger>(_ type: T.Type) -> JSONValue? {
            let value = slot.loadUnaligned(as: T.self)
            return omitDefault && value == 0 ? nil : .integer(Int64(value))
        }
        func wideInteger<T: BinaryInteger>(_ type: T.Type) -> JSONValue? {
            let value = slot.loadUnaligned(as: T.self)
            return omitDefault && value == 0 ? nil : .string(String(value))
        }
        switch field.type {
        case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_SFIXED32: return integer(Int32.self)
        case PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_FIXED32: return integer(UInt32.self)
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64: return wideInteger(Int64.self)
        case PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_FIXED64: return wideInteger(UInt64.self)
        case PROTOBUF_C_TYPE_FLOAT:
            let value = slot.loadUnaligned(as: Float.self)
            return omitDefault && value == 0 ? nil : .number(Double(value))
        case PROTOBUF_C_TYPE_DOUBLE:
            let value = slot.loadUnaligned(as: Double.self)
            return omitDefault && value == 0 ? nil : .number(value)
        case PROTOBUF_C_TYPE_BOOL:
            let value = slot.loadUnaligned(as: Int32.self) != 0
            return omitDefault && !value ? nil : .bool(value)
        case PROTOBUF_C_TYPE_ENUM:
            let value = slot.loadUnaligned(as: Int32.self)
            if omitDefault && value == 0 { return nil }
            let enumDescriptor = field.descriptor?.assumingMemoryBound(to: ProtobufCEnumDescriptor.self)
            if let enumDescriptor, let known = protobuf_c_enum_descriptor_get_value(enumDescriptor, value) {
                return .string(String(cString: known.pointee.name))
            }
            return .integer(Int64(value))
        case PROTOBUF_C_TYPE_STRING:
            guard let pointer = slot.load(as: UnsafePointer<CChar>?.self) else { return nil }
            let value = String(cString: pointer)
            return omitDefault && value.isEmpty ? nil : .string(value)
        case PROTOBUF_C_TYPE_BYTES:
            let data = slot.loadUnaligned(as: ProtobufCBinaryData.self)
            if omitDefault && data.len == 0 { return nil }
            return .string(Data(UnsafeBufferPointer(start: data.data, count: data.len)).base64EncodedString())
        case PROTOBUF_C_TYPE_MESSAGE:
            guard let nested = slot.load(as: UnsafeRawPointer?.self),
                  let descriptor = field.descriptor?.assumingMemoryBound(to: ProtobufCMessageDescriptor.self) else { return nil }
            return renderMessage(nested, descriptor)
        default:
            return nil
        }
    }

    private static func elementSize(_ type: ProtobufCType) -> Int {
        switch type {
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64,
             PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_FIXED64, PROTOBUF_C_TYPE_DOUBLE:
            8
        case PROTOBUF_C_TYPE_STRING, PROTOBUF_C_TYPE_MESSAGE:
            MemoryLayout<UnsafeRawPointer>.stride
        case PROTOBUF_C_TYPE_BYTES:
            MemoryLayout<ProtobufCBinaryData>.stride
        default:
            4
        }
    }

    /// Whether `descriptor` is the entry type protoc synthesizes for a `map` field. protobuf-c
    /// keeps no `map_entry` option, so this uses protoc's naming rule: the entry of field
    /// `typed_per_filter_config` is `TypedPerFilterConfigEntry`. A name check alone would
    /// also take an ordinary message called `Entry` with `key` and `value` fields (such as
    /// the rate limit descriptor's) for a map.
    private static func isMapEntry(_ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, of field: ProtobufCFieldDescriptor) -> Bool {
        let entry = descriptor.pointee
        return entry.n_fields == 2
            && String(cString: entry.short_name) == mapEntryName(String(cString: field.name))
            && String(cString: entry.fields[0].name) == "key"
            && String(cString: entry.fields[1].name) == "value"
    }

    /// protoc's name for a map field's entry type: the field name in CamelCase, then `Entry`.
    static func mapEntryName(_ fieldName: String) -> String {
        var result = ""
        var capitalizeNext = true
        for character in fieldName {
            if character == "_" {
                capitalizeNext = true
            } else if capitalizeNext {
                result += character.isASCII ? character.uppercased() : String(character)
                capitalizeNext = false
            } else {
                result.append(character)
            }
        }
        return result + "Entry"
    }

    private static func renderWellKnown(_ message: UnsafeRawPointer, _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, fullName: String) -> JSONValue? {
        switch fullName {
        case "google.protobuf.Duration":
            let duration = message.assumingMemoryBound(to: Google__Protobuf__Duration.self).pointee
            return .string(formatDuration(seconds: duration.seconds, nanos: duration.nanos))
        case "google.protobuf.Any":
            let any = message.assumingMemoryBound(to: Google__Protobuf__Any.self).pointee
            let typeURL = String(cString: any.type_url)
            let bytes = UnsafeBufferPointer(start: any.value.data, count: any.value.len)
            guard let rendered = render(typeURL: typeURL, bytes: bytes) else {
                return .object([("@type", .string(typeURL)), ("value", .string(Data(bytes).base64EncodedString()))])
            }
            if case .object(let members) = rendered { return .object([("@type", .string(typeURL))] + members) }
            return .object([("@type", .string(typeURL)), ("value", rendered)])
        case "google.protobuf.BoolValue", "google.protobuf.UInt32Value", "google.protobuf.Int32Value",
             "google.protobuf.UInt64Value", "google.protobuf.Int64Value", "google.protobuf.DoubleValue",
             "google.protobuf.FloatValue", "google.protobuf.StringValue", "google.protobuf.BytesValue":
            let field = descriptor.pointee.fields[0]
            return renderValue(message.advanced(by: Int(field.offset)), field, omitDefault: false)
        default:
            return nil
        }
    }

    /// Protobuf's JSON form of a duration: `"5s"`, `"0.250s"`.
    static func formatDuration(seconds: Int64, nanos: Int32) -> String {
        guard nanos != 0 else { return "\(seconds)s" }
        var fraction = String(format: "%09d", abs(nanos))
        while fraction.hasSuffix("000") { fraction.removeLast(3) }
        let sign = seconds < 0 || nanos < 0 ? "-" : ""
        return "\(sign)\(abs(seconds)).\(fraction)s"
    }
}

/// The message types Meridian emits, by full name, for expanding `Any` values.
enum KnownMessages {
    static func descriptor(named name: String) -> UnsafePointer<ProtobufCMessageDescriptor>? {
        switch name {
        case "envoy.config.listener.v3.Listener": descriptor(of: envoy__config__listener__v3__listener__init)
        case "envoy.config.route.v3.RouteConfiguration": descriptor(of: envoy__config__route__v3__route_configuration__init)
        case "envoy.config.route.v3.ScopedRouteConfiguration": descriptor(of: envoy__config__route__v3__scoped_route_configuration__init)
        case "envoy.config.cluster.v3.Cluster": descriptor(of: envoy__config__cluster__v3__cluster__init)
        case "envoy.config.endpoint.v3.ClusterLoadAssignment": descriptor(of: envoy__config__endpoint__v3__cluster_load_assignment__init)
        case "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager":
            descriptor(of: envoy__extensions__filters__network__http_connection_manager__v3__http_connection_manager__init)
        case "envoy.extensions.filters.http.router.v3.Router": descriptor(of: envoy__extensions__filters__http__router__v3__router__init)
        case "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit":
            descriptor(of: envoy__extensions__filters__http__local_ratelimit__v3__local_rate_limit__init)
        case "envoy.extensions.filters.http.cors.v3.Cors": descriptor(of: envoy__extensions__filters__http__cors__v3__cors__init)
        case "envoy.extensions.filters.http.cors.v3.CorsPolicy": descriptor(of: envoy__extensions__filters__http__cors__v3__cors_policy__init)
        case "envoy.extensions.filters.http.stateful_session.v3.StatefulSession":
            descriptor(of: envoy__extensions__filters__http__stateful_session__v3__stateful_session__init)
        case "envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute":
            descriptor(of: envoy__extensions__filters__http__stateful_session__v3__stateful_session_per_route__init)
        case "envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState":
            descriptor(of: envoy__extensions__http__stateful_session__cookie__v3__cookie_based_session_state__init)
        case "envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState":
            descriptor(of: envoy__extensions__http__stateful_session__header__v3__header_based_session_state__init)
        case "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": descriptor(of: envoy__extensions__upstreams__http__v3__http_protocol_options__init)
        case "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext":
            descriptor(of: envoy__extensions__transport_sockets__tls__v3__downstream_tls_context__init)
        case "envoy.extensions.transport_sockets.tls.v3.Secret": descriptor(of: envoy__extensions__transport_sockets__tls__v3__secret__init)
        case "envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector":
            descriptor(of: envoy__extensions__filters__listener__tls_inspector__v3__tls_inspector__init)
        case "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext":
            descriptor(of: envoy__extensions__transport_sockets__tls__v3__upstream_tls_context__init)
        default: nil
        }
    }

    /// The address of a message type's descriptor, as its protoc-c `__init` function records it
    /// (the one address protobuf-c later compares and frees by).
    private static func descriptor<Message>(of initialize: (UnsafeMutablePointer<Message>?) -> Void) -> UnsafePointer<ProtobufCMessageDescriptor> {
        let message = UnsafeMutablePointer<Message>.allocate(capacity: 1)
        defer { message.deallocate() }
        initialize(message)
        return UnsafeRawPointer(message).load(as: ProtobufCMessage.self).descriptor
    }
}
