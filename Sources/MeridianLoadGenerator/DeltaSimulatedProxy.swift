import EnvoyAPI
import GRPCCoreTransport

/// One Envoy-like client on incremental (delta) ADS: CDS and LDS by wildcard, EDS and RDS by
/// the names they follow, every response ACKed by its nonce.
///
/// A delta response carries only what changed (and `removed_resources`), so the names to
/// follow are kept per resource: each cluster's assignment names, each listener's route
/// table names. A new stream starts from nothing (no `initial_resource_versions`), as a
/// restarted Envoy does, so a storm of these resyncs everything.
struct DeltaSimulatedProxy: Sendable {
    let proxy: SimulatedProxy

    static let method = "/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources"

    func run(_ stream: ClientStream) async -> GRPCStatus {
        var acked: Set<XDSType> = []
        var subscribed: [XDSType: Set<String>] = [:]
        // Per followed-from resource (cluster or listener name): the names it makes the proxy ask for.
        var followedBy: [XDSType: [String: [String]]] = [:]
        var first = true
        func request(_ type: XDSType, subscribe: [String] = [], unsubscribe: [String] = [], nonce: String = "") -> [UInt8] {
            defer { first = false }
            return DeltaDiscoveryRequest(
                node: first ? proxy.node : nil, typeURL: type.typeURL,
                resourceNamesSubscribe: subscribe, resourceNamesUnsubscribe: unsubscribe, responseNonce: nonce
            ).encoded()
        }
        proxy.recorder.streamOpened(proxy.index)
        do {
            try await stream.send(request(.cluster))
            try await stream.send(request(.listener))
            for await bytes in stream.responses {
                let message = bytes[...]
                guard let type = XDSType(typeURL: ProtobufScan.string(4, in: message)) else { continue }
                let version = ProtobufScan.string(1, in: message)
                let nonce = ProtobufScan.string(5, in: message)
                if type == .route { proxy.recorder.routeVersionArrived(proxy.index, version: version) }
                if type == .cluster || type == .listener {
                    let followed: XDSType = type == .cluster ? .endpoint : .route
                    var byResource = followedBy[type] ?? [:]
                    for resource in ProtobufScan.allBytes(2, in: message) {
                        let name = ProtobufScan.string(3, in: resource)
                        let resourceVersion = ProtobufScan.string(1, in: resource)
                        guard let any = ProtobufScan.lastBytes(2, in: resource) else { continue }
                        byResource[name] = proxy.names.names(for: type, resource: name, version: resourceVersion, any: any)
                    }
                    for removed in ProtobufScan.allBytes(6, in: message) { byResource[String(decoding: removed, as: UTF8.self)] = nil }
                    followedBy[type] = byResource
                    let wanted = Set(byResource.values.joined())
                    let current = subscribed[followed] ?? []
                    if wanted != current {
                        subscribed[followed] = wanted
                        // Envoy asks for what a CDS or LDS response names before it ACKs that response.
                        try await stream.send(request(followed, subscribe: wanted.subtracting(current).sorted(), unsubscribe: current.subtracting(wanted).sorted()))
                    }
                    if wanted.isEmpty { acked.insert(followed) }
                }
                try await stream.send(request(type, nonce: nonce))
                proxy.recorder.acknowledged(proxy.index, type)
                if acked.insert(type).inserted, acked.count == XDSType.allCases.count {
                    proxy.recorder.synced(proxy.index)
                }
            }
        } catch {
            stream.cancel()
        }
        return await stream.status()
    }
}

extension FollowedNameCache {
    /// The names one delta resource (a cluster or a listener, as `Any`) makes the proxy follow;
    /// a resource's content is fixed by its name and version, so one scan serves every proxy.
    func names(for type: XDSType, resource name: String, version: String, any: ArraySlice<UInt8>) -> [String] {
        // The scan reads a DiscoveryResponse: wrap the one resource as its field 2.
        let wrapped = ProtobufWire.lengthDelimitedField(2, any)
        return names(for: type, version: "delta\u{0}\(name)\u{0}\(version)", response: wrapped)
    }
}
