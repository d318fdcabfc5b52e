import AsyncAlgorithms
import EnvoyAPI
import GRPCCoreTransport
import Logging

/// One xDS stream's event loop, for either protocol's state machine.
///
/// Each stream runs one state machine fed by two sources: the proxy's requests and its
/// group's snapshots. Both go through one event loop, so the state machine never sees
/// concurrent input. What both protocols share lives here: request decoding errors, the
/// type URL check, node connect, per-proxy status, metrics, logging, snapshot watching.
///
/// Memory per stream is bounded: the loop takes one event at a time (an `AsyncChannel`
/// suspends each source until the loop takes its event), a request is read from the
/// connection only when the previous one was handled (a client that floods requests is held
/// back by HTTP/2 flow control), and a snapshot waits in the watch's one-element buffer,
/// where a newer one replaces it (a slow proxy gets the newest, never a backlog). Bodies are
/// encoded once and shared (`ResponseBodyCache`); each stream appends only its nonce.
struct DiscoveryStreamDriver<Machine: DiscoveryStreamMachine>: Sendable {
    let cache: SnapshotCache
    let proxies: ProxyStatusRegistry
    let bodies: ResponseBodyCache
    let logger: Logger
    /// The gRPC service the stream came in on (`AggregatedDiscoveryService`, `ListenerDiscoveryService`...).
    let service: String
    /// For a per-type service, the one type it serves; nil for ADS (every type).
    let onlyType: ResourceType?

    private enum Event: Sendable {
        case request([UInt8])
        case snapshot(Snapshot)
        case requestsEnded
    }

    func serve(_ stream: ServerStream) async throws {
        let events = AsyncChannel<Event>()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                for await message in stream.requests { await events.send(.request(message)) }
                await events.send(.requestsEnded)
            }
            var state = Machine(recall: { [cache] in cache.typeDigests(ofVersion: $0) })
            var streamID: Int?
            var metrics: XDSStreamMetrics?
            var logger = self.logger
            logger[metadataKey: "xds"] = "\(Machine.xdsProtocol.rawValue)"
            // Unknown type URLs are logged once per stream, and only the first few
            // distinct ones, so a client cannot fill the log by repeating them.
            var reportedUnknownTypes: Set<String> = []
            defer {
                if let streamID { proxies.disconnect(streamID: streamID) }
                metrics?.disconnected()
                tasks.cancelAll()
                events.finish()
            }
            events: for await event in events {
                let responses: [Machine.Response]
                switch event {
                case .requestsEnded:
                    break events
                case .snapshot(let snapshot):
                    responses = state.update(snapshot)
                case .request(let bytes):
                    let request: Machine.Request
                    do {
                        request = try Machine.decode(bytes)
                    } catch {
                        throw GRPCStatus(code: .invalidArgument, message: "\(error)")
                    }
                    let typeURL = Machine.typeURL(of: request)
                    if let problem = TypeURLCheck.problem(typeURL) {
                        logger.warning("malformed request refused", metadata: ["problem": "\(problem)", "peer": "\(ClientText.escaped(stream.peer))"])
                        throw GRPCStatus(code: .invalidArgument, message: problem)
                    }
                    if let onlyType, typeURL != onlyType.typeURL {
                        // A per-type service serves one type: another is a misconfigured client, told at once.
                        let message = "\(service) serves \(onlyType.typeURL) only, not \(ClientText.escaped(typeURL))"
                        logger.warning("request for another type refused", metadata: ["problem": "\(message)", "peer": "\(ClientText.escaped(stream.peer))"])
                        throw GRPCStatus(code: .invalidArgument, message: message)
                    }
                    if streamID == nil {
                        guard let first = Machine.node(of: request) else {
                            throw GRPCStatus(code: .invalidArgument, message: "the first request of a stream must carry a node")
                        }
                        streamID = proxies.connect(node: first, peer: stream.peer, xdsProtocol: Machine.xdsProtocol, service: service)
                        metrics = XDSStreamMetrics(group: first.cluster, proxy: first.id)
                        // Every client-supplied string is escaped and bounded before it reaches a log.
                        logger[metadataKey: "proxy"] = "\(ClientText.escaped(first.id))"
                        logger[metadataKey: "group"] = "\(ClientText.escaped(first.cluster))"
                        logger.info("proxy connected", metadata: ["peer": "\(ClientText.escaped(stream.peer))", "service": "\(service)"])
                        if let current = cache.snapshot(forProxyGroup: first.cluster) {
                            _ = state.update(current)
                        }
                        tasks.addTask { [cache] in
                            for await snapshot in cache.watch(proxyGroup: first.cluster) { await events.send(.snapshot(snapshot)) }
                        }
                    }
                    let (outcome, planned) = state.receive(request)
                    proxies.record(streamID: streamID!, outcome)
                    metrics?.record(outcome, cache: cache)
                    if case .unsupportedType(let typeURL) = outcome {
                        if reportedUnknownTypes.count < 8, reportedUnknownTypes.insert(typeURL).inserted { DiscoveryStreamLog.log(outcome, logger: logger) }
                    } else {
                        DiscoveryStreamLog.log(outcome, logger: logger)
                    }
                    responses = planned
                }
                // A batch answers one snapshot: its live-since time is looked up once, not per response.
                var liveSince: (version: String, instant: ContinuousClock.Instant?)?
                for response in responses {
                    guard let body = response.body(from: bodies, liveVersions: { Set(cache.snapshots.values.map(\.version)) }) else {
                        throw GRPCStatus(code: .resourceExhausted, message: "cannot allocate a response")
                    }
                    let nonce = ResponseBodyCache.nonceField(response.nonce)
                    try await stream.send(body, appending: nonce)
                    if let streamID {
                        proxies.recordSent(
                            streamID: streamID, type: response.type, version: response.version, nonce: response.nonce,
                            byteCount: body.count + nonce.count, resourceCount: response.resourceCount, removedCount: response.removedCount
                        )
                    }
                    if liveSince?.version != response.version { liveSince = (response.version, cache.liveSince(version: response.version)) }
                    metrics?.pushed(response.type, since: liveSince?.instant)
                    logger.debug("sent", metadata: [
                        "type": "\(response.type)", "version": "\(response.version)", "nonce": "\(response.nonce)",
                        "resources": "\(response.resourceCount)", "removed": "\(response.removedCount)",
                    ])
                }
            }
            if streamID != nil { logger.info("proxy disconnected") }
        }
    }
}

/// How a request's outcome is logged, the same for both protocols.
enum DiscoveryStreamLog {
    static func log(_ outcome: DiscoveryStreamState.RequestOutcome, logger: Logger) {
        switch outcome {
        case .acknowledged(let type, let version):
            logger.info("ACK", metadata: ["type": "\(type)", "version": "\(ClientText.escaped(version))"])
        case .rejected(let type, let version, let kept, let message):
            let error = ClientText.escaped(message, limit: ClientText.rejectionMessageLimit)
            logger.warning("NACK", metadata: ["type": "\(type)", "version": "\(ClientText.escaped(version))", "kept": "\(ClientText.escaped(kept))", "error": "\(error)"])
        case .subscribed(let type, let names, let presented):
            let shown = names.prefix(16).map { ClientText.escaped($0) } + (names.count > 16 ? ["… \(names.count - 16) more"] : [])
            logger.debug("subscribed", metadata: ["type": "\(type)", "names": "\(shown.joined(separator: ", "))", "presented": "\(ClientText.escaped(presented))"])
        case .staleNonce(let type, let nonce):
            logger.debug("stale nonce ignored", metadata: ["type": "\(type)", "nonce": "\(ClientText.escaped(nonce))"])
        case .unsupportedType(let typeURL):
            logger.notice("request for a type Meridian does not serve", metadata: ["type": "\(ClientText.escaped(typeURL))"])
        }
    }
}
