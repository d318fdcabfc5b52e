import EnvoyAPI
import Foundation
import Synchronization

/// Which proxies are connected and which version of each type each one ACKed or NACKed.
public final class ProxyStatusRegistry: Sendable {
    /// One connected proxy (one ADS stream).
    public struct Proxy: Sendable, Hashable {
        public var streamID: Int
        public var node: Node
        public var peer: String
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
    func connect(node: Node, peer: String) -> Int {
        state.withLock { state in
            let id = state.nextStreamID
            state.nextStreamID += 1
            state.proxies[id] = Proxy(streamID: id, node: node, peer: peer, connectedAt: Date(), types: [:])
            return id
        }
    }

    func disconnect(streamID: Int) {
        _ = state.withLock { $0.proxies.removeValue(forKey: streamID) }
    }

    func recordSent(streamID: Int, _ response: DiscoveryStreamState.Response) {
        state.withLock { state in
            state.proxies[streamID]?.types[response.type, default: TypeStatus()].sentVersion = response.version
            state.proxies[streamID]?.types[response.type, default: TypeStatus()].sentNonce = response.nonce
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
