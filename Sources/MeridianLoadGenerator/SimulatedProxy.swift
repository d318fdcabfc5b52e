import EnvoyAPI
import GRPCCoreTransport
import Synchronization

/// The four state-of-the-world types an Envoy subscribes to over ADS, in the order it asks.
enum XDSType: Int, CaseIterable, Sendable {
    case cluster, endpoint, listener, route

    var typeURL: String {
        switch self {
        case .cluster: "type.googleapis.com/envoy.config.cluster.v3.Cluster"
        case .endpoint: "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
        case .listener: "type.googleapis.com/envoy.config.listener.v3.Listener"
        case .route: "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
        }
    }

    var shortName: String {
        switch self {
        case .cluster: "cds"
        case .endpoint: "eds"
        case .listener: "lds"
        case .route: "rds"
        }
    }

    init?(typeURL: String) {
        guard let type = Self.allCases.first(where: { $0.typeURL == typeURL }) else { return nil }
        self = type
    }
}

/// Names followed from CDS and LDS responses, shared by every simulated proxy.
///
/// A wildcard type's content is fixed by its version (and size), so one proxy's scan serves
/// all: thousands of proxies do not each walk the same cluster and listener lists.
final class FollowedNameCache: Sendable {
    private let entries = Mutex<[String: [String]]>([:])

    func names(for type: XDSType, version: String, response: [UInt8]) -> [String] {
        let key = "\(type.rawValue)\u{0}\(version)\u{0}\(response.count)"
        if let known = entries.withLock({ $0[key] }) { return known }
        let names = type == .cluster
            ? FollowedNames.endpointNames(inClusterResponse: response)
            : FollowedNames.routeNames(inListenerResponse: response)
        entries.withLock { $0[key] = names }
        return names
    }
}

/// One Envoy-like ADS client: one stream, SotW, every response ACKed with its version and nonce.
///
/// It subscribes to CDS and LDS by wildcard, asks EDS for the clusters' load assignments and
/// RDS for the listeners' route tables, and reports to `recorder` when all four are ACKed and
/// whenever a new route table version arrives.
struct SimulatedProxy: Sendable {
    let index: Int
    let node: Node
    let recorder: FleetRecorder
    let names: FollowedNameCache
    /// Keeps every response's bytes, for `capture`; nil in load runs.
    var capture: ResponseCapture?
    /// Incremental ADS (`DeltaAggregatedResources`) instead of state of the world.
    var delta = false

    static let method = "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources"

    /// Runs one ADS stream on `channel` until it ends or the task is cancelled.
    /// - Returns: the status the stream ended with.
    func runStream(on channel: GRPCChannel) async throws(TransportError) -> GRPCStatus {
        let stream = try await channel.openStream(method: delta ? DeltaSimulatedProxy.method : Self.method)
        return await withTaskCancellationHandler {
            delta ? await DeltaSimulatedProxy(proxy: self).run(stream) : await run(stream)
        } onCancel: {
            stream.cancel()
        }
    }

    private func run(_ stream: ClientStream) async -> GRPCStatus {
        var versions: [XDSType: (version: String, nonce: String)] = [:]
        var acked: Set<XDSType> = []
        var subscribed: [XDSType: [String]] = [:]
        var first = true
        func request(_ type: XDSType, names: [String], version: String = "", nonce: String = "") -> [UInt8] {
            defer { first = false }
            // Envoy sends its node on the first request of a stream only.
            return DiscoveryRequest(versionInfo: version, node: first ? node : nil, resourceNames: names, typeURL: type.typeURL, responseNonce: nonce).encoded()
        }
        recorder.streamOpened(index)
        do {
            try await stream.send(request(.cluster, names: []))
            try await stream.send(request(.listener, names: []))
            for await bytes in stream.responses {
                let header = ResponseHeader(scanning: bytes)
                guard let type = XDSType(typeURL: header.typeURL) else { continue }
                capture?.keep(type, bytes)
                versions[type] = (header.versionInfo, header.nonce)
                if type == .route { recorder.routeVersionArrived(index, version: header.versionInfo) }
                // Envoy asks for what a CDS or LDS response names before it ACKs that response.
                if type == .cluster || type == .listener {
                    let followed: XDSType = type == .cluster ? .endpoint : .route
                    let wanted = names.names(for: type, version: header.versionInfo, response: bytes)
                    if wanted != subscribed[followed] ?? [] {
                        subscribed[followed] = wanted
                        let known = versions[followed]
                        try await stream.send(request(followed, names: wanted, version: known?.version ?? "", nonce: known?.nonce ?? ""))
                    }
                    // Nothing to follow counts as followed: the type is in sync with nothing.
                    if wanted.isEmpty { acked.insert(followed) }
                }
                try await stream.send(request(type, names: subscribed[type] ?? [], version: header.versionInfo, nonce: header.nonce))
                recorder.acknowledged(index, type)
                if acked.insert(type).inserted, acked.count == XDSType.allCases.count {
                    recorder.synced(index)
                }
            }
        } catch {
            stream.cancel()
        }
        return await stream.status()
    }
}

/// The last response of each type one proxy received, kept for the baseline server.
final class ResponseCapture: Sendable {
    private let responses = Mutex<[XDSType: [UInt8]]>([:])

    func keep(_ type: XDSType, _ bytes: [UInt8]) {
        responses.withLock { $0[type] = bytes }
    }

    var latest: [XDSType: [UInt8]] { responses.withLock { $0 } }
}
