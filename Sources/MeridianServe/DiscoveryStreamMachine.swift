import EnvoyAPI
import GRPCCoreTransport

/// What the stream driver needs of a protocol's state machine: decoding its requests, and
/// turning requests and snapshots into responses. State of the world and delta both conform,
/// so node connect, per-proxy status, metrics, logging and snapshot watching are written once.
protocol DiscoveryStreamMachine: Sendable {
    associatedtype Request: Sendable
    associatedtype Response: DiscoveryStreamResponse

    /// Which protocol, for per-proxy status and logs.
    static var xdsProtocol: XDSProtocol { get }

    /// `recall` gives each type's content digest in a recent version, for reconnecting proxies.
    init(recall: @escaping DiscoveryStreamState.Recall)
    static func decode(_ bytes: [UInt8]) throws(WireFormatError) -> Request
    static func typeURL(of request: Request) -> String
    static func node(of request: Request) -> Node?
    mutating func receive(_ request: Request) -> (outcome: DiscoveryStreamState.RequestOutcome, responses: [Response])
    mutating func update(_ snapshot: Snapshot) -> [Response]
}

/// A response as the driver sends and records it.
protocol DiscoveryStreamResponse: Sendable {
    var type: ResourceType { get }
    /// The snapshot version it comes from.
    var version: String { get }
    var nonce: String { get }
    /// How many resources it adds or changes, and how many it removes (for the debug log).
    var resourceCount: Int { get }
    var removedCount: Int { get }
    /// The encoded response without its nonce (field 5 in both protocols' responses), which
    /// each stream appends; nil if gRPC core cannot allocate it.
    func body(from bodies: ResponseBodyCache, liveVersions: () -> Set<String>) -> SharedMessage?
}

/// The two xDS wire protocols.
public enum XDSProtocol: String, Sendable, Hashable, CaseIterable {
    /// State of the world: every response carries the whole subscribed set.
    case sotw
    /// Incremental: responses carry only changes and removals.
    case delta
}

extension DiscoveryStreamState: DiscoveryStreamMachine {
    static var xdsProtocol: XDSProtocol { .sotw }
    static func decode(_ bytes: [UInt8]) throws(WireFormatError) -> DiscoveryRequest { try DiscoveryRequest(decoding: bytes) }
    static func typeURL(of request: DiscoveryRequest) -> String { request.typeURL }
    static func node(of request: DiscoveryRequest) -> Node? { request.node }
}

extension DiscoveryStreamState.Response: DiscoveryStreamResponse {
    var resourceCount: Int { resources.count }
    var removedCount: Int { 0 }
    func body(from bodies: ResponseBodyCache, liveVersions: () -> Set<String>) -> SharedMessage? {
        bodies.body(for: self, liveVersions: liveVersions)
    }
}

extension DeltaDiscoveryStreamState: DiscoveryStreamMachine {
    /// Delta needs no recall: a reconnecting proxy lists each resource version it holds.
    init(recall: @escaping DiscoveryStreamState.Recall) { self.init() }
    static var xdsProtocol: XDSProtocol { .delta }
    static func decode(_ bytes: [UInt8]) throws(WireFormatError) -> DeltaDiscoveryRequest { try DeltaDiscoveryRequest(decoding: bytes) }
    static func typeURL(of request: DeltaDiscoveryRequest) -> String { request.typeURL }
    static func node(of request: DeltaDiscoveryRequest) -> Node? { request.node }
}

extension DeltaDiscoveryStreamState.Response: DiscoveryStreamResponse {
    var resourceCount: Int { resources.count }
    var removedCount: Int { removed.count }
    /// A delta response is what changed for one proxy; proxies at the same state share it.
    func body(from bodies: ResponseBodyCache, liveVersions: () -> Set<String>) -> SharedMessage? {
        bodies.body(for: self, liveVersions: liveVersions)
    }
}
