import EnvoyAPI
import MeridianServe
import MeridianTestSupport
import Testing

/// The delta state machine looks only at names that changed (a new snapshot, a subscription, a
/// NACK, an ACK) instead of every resource of a type on every request. Long random exchanges
/// with snapshots, subscriptions, ACKs, NACKs and stale nonces must give exactly the responses
/// and outcomes of a state that scans every name each time.
@Suite("xDS delta: only changed names are looked at")
struct DeltaNameTrackingTests {
    static let node = Node(id: "proxy", cluster: "default/gateway")
    static let types: [ResourceType] = [.cluster, .endpoint, .listener, .scopedRoute, .route]
    /// Names drawn for each type: more than any snapshot has, so subscriptions name absent resources too.
    static let pool: [ResourceType: [String]] = [
        .cluster: (0..<6).map { "c\($0)" }, .endpoint: (0..<6).map { "c\($0)" }, .listener: (0..<3).map { "l\($0)" },
        .scopedRoute: (0..<5).map { "s\($0)" }, .route: (0..<8).map { "r\($0)" },
    ]

    /// A random snapshot whose references all resolve: clusters each with their assignment,
    /// route tables naming clusters, listeners and scopes naming route tables. Contents come from
    /// few variants, so consecutive snapshots share some resources and change others.
    static func snapshot(_ random: inout SeededGenerator) throws -> Snapshot {
        func message(_ name: String) -> SerializedMessage { SerializedMessage(Array("\(name)/\(Int.random(in: 0..<3, using: &random))".utf8)) }
        func some(_ names: [String]) -> [String] { names.filter { _ in Bool.random(using: &random) } }
        var clusters = some(pool[.cluster]!)
        if clusters.isEmpty { clusters = ["c0"] }
        var resources: [XDSResource] = []
        for name in clusters {
            resources.append(XDSResource(type: .endpoint, name: name, message: message(name)))
            resources.append(XDSResource(type: .cluster, name: name, message: message(name), references: [.init(type: .endpoint, name: name)]))
        }
        let routes = some(pool[.route]!)
        for name in routes {
            let named = clusters.filter { _ in Int.random(in: 0..<3, using: &random) == 0 }
            resources.append(XDSResource(type: .route, name: name, message: message(name), references: named.map { .init(type: .cluster, name: $0) }))
        }
        for name in some(pool[.listener]!) {
            let named = routes.filter { _ in Bool.random(using: &random) }.map { XDSResource.Reference(type: .route, name: $0) }
                + clusters.filter { _ in Int.random(in: 0..<4, using: &random) == 0 }.map { .init(type: .cluster, name: $0) }
            resources.append(XDSResource(type: .listener, name: name, message: message(name), references: named))
        }
        for name in some(pool[.scopedRoute]!) {
            guard let route = routes.randomElement(using: &random) else { break }
            resources.append(XDSResource(type: .scopedRoute, name: name, message: message(name), references: [.init(type: .route, name: route)]))
        }
        return try Snapshot(resources: resources.shuffled(using: &random))
    }

    @Test("random exchanges: the same responses as scanning every name", arguments: [0x5eed, 0xd17a, 0xbeef, 0x1ce, 0xface] as [UInt64])
    func sameAsFullScan(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        var tracked = DeltaDiscoveryStreamState()
        var scanning = DeltaDiscoveryStreamState(scanningEveryName: true)
        var outstanding: [(type: ResourceType, nonce: String)] = []
        var compared = (responses: 0, resources: 0)
        for step in 0..<600 {
            let responses: [DeltaDiscoveryStreamState.Response]
            if Int.random(in: 0..<6, using: &random) == 0 {
                let snapshot = try Self.snapshot(&random)
                responses = tracked.update(snapshot)
                #expect(scanning.update(snapshot) == responses, "seed \(seed) step \(step): update")
            } else {
                let type = Self.types.randomElement(using: &random)!
                let names = Self.pool[type]! + ["*"]
                var subscribe: [String] = []
                var unsubscribe: [String] = []
                switch Int.random(in: 0..<10, using: &random) {
                case 0: subscribe = names.filter { _ in Int.random(in: 0..<3, using: &random) == 0 }
                case 1: unsubscribe = names.filter { _ in Int.random(in: 0..<3, using: &random) == 0 }
                default: break
                }
                var nonce = ""
                var error: DiscoveryRequest.ErrorDetail?
                if let index = outstanding.indices.randomElement(using: &random), Int.random(in: 0..<5, using: &random) > 0 {
                    let answered = outstanding.remove(at: index)
                    nonce = answered.nonce
                    // Mostly ACKs; some NACKs; now and then the wrong type (a stale nonce for it).
                    if Int.random(in: 0..<5, using: &random) == 0 { error = .init(code: 3, message: "refused") }
                    if Int.random(in: 0..<10, using: &random) != 0 {
                        let request = DeltaDiscoveryRequest(node: Self.node, typeURL: answered.type.typeURL, resourceNamesSubscribe: subscribe, resourceNamesUnsubscribe: unsubscribe, responseNonce: nonce, errorDetail: error)
                        let (outcome, sent) = tracked.receive(request)
                        let expected = scanning.receive(request)
                        #expect(outcome == expected.outcome && sent == expected.responses, "seed \(seed) step \(step): answer")
                        outstanding += sent.map { ($0.type, $0.nonce) }
                        compared.responses += sent.count
                        compared.resources += sent.reduce(0) { $0 + $1.resources.count + $1.removed.count }
                        continue
                    }
                } else if Int.random(in: 0..<20, using: &random) == 0 {
                    nonce = "999999"
                }
                let request = DeltaDiscoveryRequest(node: Self.node, typeURL: type.typeURL, resourceNamesSubscribe: subscribe, resourceNamesUnsubscribe: unsubscribe, responseNonce: nonce, errorDetail: error)
                let (outcome, sent) = tracked.receive(request)
                let expected = scanning.receive(request)
                #expect(outcome == expected.outcome, "seed \(seed) step \(step): outcome")
                responses = sent
                #expect(expected.responses == sent, "seed \(seed) step \(step): request")
            }
            outstanding += responses.map { ($0.type, $0.nonce) }
            compared.responses += responses.count
            compared.resources += responses.reduce(0) { $0 + $1.resources.count + $1.removed.count }
        }
        // The exchange exercised something: many responses, carrying resources and removals.
        #expect(compared.responses > 100 && compared.resources > 200, "\(compared)")
    }

    /// A NACK undoes only what is still held as the refused response left it: a name
    /// unsubscribed in between is not brought back, so its later removal is not announced to a
    /// proxy that no longer asks for it (the tracked state filters what the proxy holds only
    /// after an unsubscription, relying on this).
    @Test("a NACK for a name unsubscribed since does not bring its removal back")
    func nackAfterUnsubscribe() throws {
        func snapshot(_ tables: [String: String]) throws -> Snapshot {
            try Snapshot(resources: tables.map { XDSResource(type: .route, name: $0.key, message: SerializedMessage(Array($0.value.utf8))) })
        }
        func request(subscribe: [String] = [], unsubscribe: [String] = [], nonce: String = "", error: String? = nil) -> DeltaDiscoveryRequest {
            DeltaDiscoveryRequest(node: Self.node, typeURL: ResourceType.route.typeURL, resourceNamesSubscribe: subscribe, resourceNamesUnsubscribe: unsubscribe, responseNonce: nonce, errorDetail: error.map { .init(code: 3, message: $0) })
        }
        for scanning in [false, true] {
            var state = DeltaDiscoveryStreamState(scanningEveryName: scanning)
            _ = state.update(try snapshot(["a": "1", "b": "1"]))
            let first = state.receive(request(subscribe: ["a", "b"])).responses
            #expect(first.map { $0.resources.map(\.resource.name) } == [["a", "b"]])
            _ = state.receive(request(nonce: first[0].nonce))
            let changed = state.update(try snapshot(["a": "2", "b": "1"]))
            #expect(changed.map { $0.resources.map(\.resource.name) } == [["a"]])
            #expect(state.receive(request(unsubscribe: ["a"])).responses.isEmpty)
            #expect(state.receive(request(nonce: changed[0].nonce, error: "refused")).responses.isEmpty)
            // Any request after the NACK: the proxy does not hold what it unsubscribed.
            _ = state.receive(request(subscribe: ["b"]))
            let removed = state.update(try snapshot(["b": "1"]))
            // (An empty response confirms the proxy is current after its NACK.)
            #expect(removed.map(\.removed) == [[]], "scanning: \(scanning): \(removed)")
        }
    }
}
