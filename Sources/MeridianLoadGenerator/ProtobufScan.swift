/// Just enough of the protobuf wire format to read a few fields without decoding whole messages.
///
/// A simulated proxy needs a DiscoveryResponse's type URL, version and nonce, and from some
/// resources a name or two. Decoding a 1.45 MB route table with protobuf-c for each of
/// thousands of clients would make the load generator, not the server, the bottleneck.
struct ProtobufScan {
    /// One field as found on the wire; `bytes` is set for length-delimited fields only.
    struct Field {
        var number: UInt64
        var varint: UInt64
        var bytes: ArraySlice<UInt8>?
    }

    /// Every top-level field of `message`, in wire order; stops at the first malformed byte.
    static func fields(of message: ArraySlice<UInt8>) -> [Field] {
        var fields: [Field] = []
        forEachField(of: message) { fields.append($0) }
        return fields
    }

    /// Calls `body` with every top-level field of `message`; stops at the first malformed byte.
    static func forEachField(of message: ArraySlice<UInt8>, _ body: (Field) -> Void) {
        var index = message.startIndex
        while index < message.endIndex {
            guard let key = varint(in: message, at: &index) else { return }
            let number = key >> 3
            switch key & 7 {
            case 0:
                guard let value = varint(in: message, at: &index) else { return }
                body(Field(number: number, varint: value, bytes: nil))
            case 1:
                guard message.endIndex - index >= 8 else { return }
                index += 8
            case 2:
                guard let length = varint(in: message, at: &index), length <= UInt64(message.endIndex - index) else { return }
                let end = index + Int(length)
                body(Field(number: number, varint: 0, bytes: message[index..<end]))
                index = end
            case 5:
                guard message.endIndex - index >= 4 else { return }
                index += 4
            default:
                return
            }
        }
    }

    /// The last occurrence of length-delimited field `number` (proto3: the last one wins).
    static func lastBytes(_ number: UInt64, in message: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        var found: ArraySlice<UInt8>?
        forEachField(of: message) { field in
            if field.number == number, let bytes = field.bytes { found = bytes }
        }
        return found
    }

    /// Every occurrence of length-delimited field `number`.
    static func allBytes(_ number: UInt64, in message: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var found: [ArraySlice<UInt8>] = []
        forEachField(of: message) { field in
            if field.number == number, let bytes = field.bytes { found.append(bytes) }
        }
        return found
    }

    static func string(_ number: UInt64, in message: ArraySlice<UInt8>) -> String {
        lastBytes(number, in: message).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    private static func varint(in bytes: ArraySlice<UInt8>, at index: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.endIndex, shift < 64 {
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }
}

/// The header of a DiscoveryResponse: what a proxy needs to ACK it.
struct ResponseHeader: Sendable, Equatable {
    var versionInfo = ""
    var typeURL = ""
    var nonce = ""

    /// Reads fields 1 (version_info), 4 (type_url) and 5 (nonce), skipping the resources.
    init(scanning bytes: [UInt8]) {
        var version = "", typeURL = "", nonce = ""
        ProtobufScan.forEachField(of: bytes[...]) { field in
            guard let value = field.bytes else { return }
            switch field.number {
            case 1: version = String(decoding: value, as: UTF8.self)
            case 4: typeURL = String(decoding: value, as: UTF8.self)
            case 5: nonce = String(decoding: value, as: UTF8.self)
            default: break
            }
        }
        (versionInfo, self.typeURL, self.nonce) = (version, typeURL, nonce)
    }
}

/// The names a proxy follows from one type to the next: CDS to EDS, LDS to RDS.
enum FollowedNames {
    /// The resource values (`Any.value`) of a DiscoveryResponse.
    static func resourceValues(of response: [UInt8]) -> [ArraySlice<UInt8>] {
        ProtobufScan.allBytes(2, in: response[...]).compactMap { ProtobufScan.lastBytes(2, in: $0) }
    }

    /// The ClusterLoadAssignment names EDS clusters ask for: `eds_cluster_config.service_name`,
    /// or the cluster's name when that is empty. Non-EDS clusters ask for none.
    static func endpointNames(inClusterResponse response: [UInt8]) -> [String] {
        var names: [String] = []
        for cluster in resourceValues(of: response) {
            var name = ""
            var serviceName: String?
            ProtobufScan.forEachField(of: cluster) { field in
                switch field.number {
                case 1: name = field.bytes.map { String(decoding: $0, as: UTF8.self) } ?? ""
                case 3: serviceName = field.bytes.map { ProtobufScan.string(2, in: $0) } ?? ""
                default: break
                }
            }
            // Field 3 (eds_cluster_config) is present only on EDS clusters.
            if let serviceName { names.append(serviceName.isEmpty ? name : serviceName) }
        }
        return Array(Set(names)).sorted()
    }

    /// The RDS route names the listeners' HttpConnectionManagers ask for (`rds.route_config_name`).
    static func routeNames(inListenerResponse response: [UInt8]) -> [String] {
        var names: Set<String> = []
        for listener in resourceValues(of: response) {
            // filter_chains (3) and default_filter_chain (25) hold filters (3).
            let chains = ProtobufScan.allBytes(3, in: listener) + ProtobufScan.allBytes(25, in: listener)
            for chain in chains {
                for filter in ProtobufScan.allBytes(3, in: chain) {
                    guard let typed = ProtobufScan.lastBytes(4, in: filter),
                          ProtobufScan.string(1, in: typed).hasSuffix("HttpConnectionManager"),
                          let manager = ProtobufScan.lastBytes(2, in: typed),
                          let rds = ProtobufScan.lastBytes(3, in: manager) else { continue }
                    let name = ProtobufScan.string(2, in: rds)
                    if !name.isEmpty { names.insert(name) }
                }
            }
        }
        return names.sorted()
    }
}
