import EnvoyAPI

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
