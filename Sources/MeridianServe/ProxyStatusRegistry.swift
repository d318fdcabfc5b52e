import EnvoyAPI
import Foundation
import Synchronization

/// Which proxies are connected and which version of each type each one ACKed or NACKed.
public final class ProxyStatusRegistry: Sendable {
    /// One connected proxy (one xDS stream).
    public struct Proxy: Sendable, Hashable {
        public var streamID: Int
        public var node: Node
        public var peer: String
        /// State of the world or delta.
        public var xdsProtocol: XDSProtocol
        /// The gRPC service of the stream (`envoy.service.discovery.v3.AggregatedDiscoveryService`, or a per-type one).
        public var service: String
        public var connectedAt: Date
        public var types: [ResourceType: TypeStatus]
    }

    /// Where one proxy stands for one resource type.
    public struct TypeStatus: Sendable, Hashable {
        /// The version last sent, and its nonce.
        public var sentVersion: String?
        public var sentNonce: String?
        /// The version the proxy last ACKed (or presented when it connected).
        public var acknowledgedVersion: String?
        /// The last rejection, if the proxy has rejected anything on this stream.
        public var lastRejection: Rejection?
        /// Delta only: how many resources the last response added or changed, and removed.
        public var sentResourceCount: Int?
        public var sentRemovedCount: Int?
        /// Every response of this type written on the stream so far, and their encoded bytes:
        /// what a change cost on the wire (state of the world and delta alike).
        public var responsesSent = 0
        public var bytesSent = 0
        /// How many resources those responses carried in all (a delta reconnect that resends nothing adds 0).
        public var resourcesSent = 0

        public init(sentVersion: String? = nil, sentNonce: String? = nil, acknowledgedVersion: String? = nil, lastRejection: Rejection? = nil) {
            self.sentVersion = sentVersion
            self.sentNonce = sentNonce
            self.acknowledgedVersion = acknowledgedVersion
            self.lastRejection = lastRejection
        }

        /// SYNCED, STALE, NACKED or NOT_SENT.
        public var state: ProxySyncState { ProxySyncState(self) }
    }

    /// A NACK: the version the proxy refused and the proxy's error text.
    public struct Rejection: Sendable, Hashable {
        public var version: String
        /// Envoy's error text, its first `ClientText.rejectionMessageLimit` bytes
        /// (then `… (N more bytes)`): what is stored, shown and logged.
        public var message: String
        public var at: Date

        public init(version: String, message: String, at: Date) {
            self.version = version
            self.message = message
            self.at = at
        }
    }

    private struct State {
        var proxies: [Int: Proxy] = [:]
        var nextStreamID = 1
        var rejections: [(node: Node, type: ResourceType, rejection: Rejection)] = []
    }

    private let state = Mutex(State())
    private let rejectionHistoryLimit: Int
    private let rejectionMessageLimit: Int

    /// - Parameters:
    ///   - rejectionHistoryLimit: how many rejections `rejections` keeps, newest last.
    ///   - rejectionMessageLimit: how many bytes of each NACK's error text are kept.
    ///     With the defaults the history holds at most about 4 MiB of Envoy's text.
    public init(rejectionHistoryLimit: Int = 1_000, rejectionMessageLimit: Int = ClientText.rejectionMessageLimit) {
        self.rejectionHistoryLimit = rejectionHistoryLimit
        self.rejectionMessageLimit = rejectionMessageLimit
    }

    /// Registers a new stream and returns its id.
    func connect(node: Node, peer: String, xdsProtocol: XDSProtocol = .sotw, service: String = "envoy.service.discovery.v3.AggregatedDiscoveryService") -> Int {
        state.withLock { state in
            let id = state.nextStreamID
            state.nextStreamID += 1
            state.proxies[id] = Proxy(streamID: id, node: node, peer: peer, xdsProtocol: xdsProtocol, service: service, connectedAt: Date(), types: [:])
            return id
        }
    }

    func disconnect(streamID: Int) {
        _ = state.withLock { $0.proxies.removeValue(forKey: streamID) }
    }

    /// A state-of-the-world response was written (kept for callers that hold one).
    func recordSent(streamID: Int, _ response: DiscoveryStreamState.Response) {
        recordSent(streamID: streamID, type: response.type, version: response.version, nonce: response.nonce)
    }

    /// A response was written; the counts of the last response are kept for delta streams, where they say what changed.
    func recordSent(streamID: Int, type: ResourceType, version: String, nonce: String, byteCount: Int = 0, resourceCount: Int? = nil, removedCount: Int? = nil) {
        state.withLock { state in
            guard let proxy = state.proxies[streamID] else { return }
            var status = proxy.types[type] ?? TypeStatus()
            status.sentVersion = version
            status.sentNonce = nonce
            status.responsesSent += 1
            status.bytesSent += byteCount
            status.resourcesSent += resourceCount ?? 0
            if proxy.xdsProtocol == .delta {
                status.sentResourceCount = resourceCount
                status.sentRemovedCount = removedCount
            }
            state.proxies[streamID]?.types[type] = status
        }
    }

    func record(streamID: Int, _ outcome: DiscoveryStreamState.RequestOutcome) {
        state.withLock { state in
            guard let node = state.proxies[streamID]?.node else { return }
            switch outcome {
            case .acknowledged(let type, let version):
                state.proxies[streamID]?.types[type, default: TypeStatus()].acknowledgedVersion = version
            case .subscribed(let type, _, let presented) where !presented.isEmpty:
                state.proxies[streamID]?.types[type, default: TypeStatus()].acknowledgedVersion = presented
            case .rejected(let type, let version, _, let message):
                // A proxy may send up to the receive limit (16 MiB) of error text per NACK.
                let rejection = Rejection(version: version, message: ClientText.truncated(message, maxBytes: rejectionMessageLimit), at: Date())
                state.proxies[streamID]?.types[type, default: TypeStatus()].lastRejection = rejection
                state.rejections.append((node, type, rejection))
                if state.rejections.count > rejectionHistoryLimit { state.rejections.removeFirst() }
            default:
                break
            }
        }
    }

    /// Every connected proxy, by stream id.
    public var proxies: [Proxy] {
        state.withLock { $0.proxies.values.sorted { $0.streamID < $1.streamID } }
    }

    /// Recent rejections, oldest first, including those of proxies that have since disconnected.
    public var rejections: [(node: Node, type: ResourceType, rejection: Rejection)] {
        state.withLock { $0.rejections }
    }
}
