import EnvoyAPI
import MeridianIR
import MeridianServe
import MeridianTestSupport
import TLSCertificates
import Testing

/// SDS over ADS, on the stream state machine alone: Envoy asks for the secrets its
/// listeners name, by name, as for routes and load assignments.
@Suite("Secrets over ADS")
struct SecretDiscoveryTests {
    static let a = try! TestCertificates.make(["a.example.com"])
    static let b = try! TestCertificates.make(["b.example.com"])
    static let rotated = try! TestCertificates.make(["a.example.com"])
    static let node = Node(id: "proxy", cluster: "default/gateway")

    static func secret(_ name: String, _ certificate: GeneratedCertificate) -> TLSSecret {
        TLSSecret(name: name, certificateChain: Array(certificate.certificatePEM.utf8), privateKey: Array(certificate.privateKeyPEM.utf8))
    }

    static func snapshot(a: GeneratedCertificate = a, port: Int = 8443) throws -> Snapshot {
        try SampleConfigurations.snapshot(SampleConfigurations.tls(listenerPort: port, chains: [
            ("a.example.com", secret("ns/a", a)),
            ("b.example.com", secret("ns/b", b)),
        ]))
    }

    /// A stream that subscribed to every type (secrets by the names given) and ACKed what it got.
    static func subscribedStream(_ snapshot: Snapshot, secrets: [String]) -> DiscoveryStreamState {
        var state = DiscoveryStreamState()
        _ = state.update(snapshot)
        let subscriptions: [(ResourceType, [String])] = [
            (.cluster, []), (.endpoint, ["backend"]), (.listener, []), (.route, ["routes-a.example.com", "routes-b.example.com"]), (.secret, secrets),
        ]
        for (type, names) in subscriptions {
            let (_, responses) = state.receive(DiscoveryRequest(node: node, resourceNames: names, typeURL: type.typeURL))
            for response in responses {
                _ = state.receive(DiscoveryRequest(versionInfo: response.version, resourceNames: names, typeURL: type.typeURL, responseNonce: response.nonce))
            }
        }
        return state
    }

    @Test("secrets are served by name, like RDS and EDS: only the names asked for, nothing for an empty request")
    func byName() throws {
        let snapshot = try Self.snapshot()
        var state = DiscoveryStreamState()
        _ = state.update(snapshot)
        let (_, none) = state.receive(DiscoveryRequest(node: Self.node, typeURL: ResourceType.secret.typeURL))
        #expect(none.isEmpty, "SDS has no wildcard: a request naming nothing gets nothing")
        let (_, first) = state.receive(DiscoveryRequest(node: Self.node, resourceNames: ["ns/a"], typeURL: ResourceType.secret.typeURL))
        #expect(first.map(\.type) == [.secret])
        #expect(first.first?.resources.map(\.name) == ["ns/a"])
        let (_, more) = state.receive(DiscoveryRequest(versionInfo: first[0].version, resourceNames: ["ns/a", "ns/b"], typeURL: ResourceType.secret.typeURL, responseNonce: first[0].nonce))
        #expect(more.first?.resources.map(\.name) == ["ns/a", "ns/b"], "a newly requested name gets every subscribed name")
    }

    @Test("a rotated certificate changes only its Secret: the Listener is not resent, so no connection drains")
    func rotation() throws {
        let before = try Self.snapshot()
        let after = try Self.snapshot(a: Self.rotated)
        #expect(before.resources[.listener] == after.resources[.listener], "the Listener's bytes do not depend on the certificate")
        var state = Self.subscribedStream(before, secrets: ["ns/a", "ns/b"])
        let responses = state.update(after)
        #expect(responses.map(\.type) == [.secret])
        #expect(responses.first?.resources.map(\.name) == ["ns/a", "ns/b"], "SDS is state of the world per subscription: every subscribed name")
        #expect(responses.first?.resources.first?.message == after.resource(.secret, named: "ns/a")?.message)
    }

    @Test("make-before-break: a change to every type goes out as clusters, endpoints, secrets, listeners, (scopes,) routes")
    func pushOrder() throws {
        let before = try Self.snapshot()
        var changed = SampleConfigurations.tls(listenerPort: 9443, chains: [
            ("a.example.com", Self.secret("ns/a", Self.rotated)),
            ("b.example.com", Self.secret("ns/b", Self.b)),
        ], endpoints: [Endpoint(address: "127.0.0.1", port: 9001)])
        changed.routeTables[0].virtualHosts[0].routes[0].timeout = .seconds(3)
        changed.clusters[0].connectTimeout = .seconds(2)
        var state = Self.subscribedStream(before, secrets: ["ns/a", "ns/b"])
        let responses = state.update(try SampleConfigurations.snapshot(changed))
        // The route table names the changed cluster: it waits for that cluster's ACKs.
        #expect(responses.map(\.type) == [.cluster, .endpoint, .secret, .listener])
        var afterACKs: [DiscoveryStreamState.Response] = []
        let names: [ResourceType: [String]] = [.endpoint: ["backend"], .route: ["routes-a.example.com", "routes-b.example.com"], .secret: ["ns/a", "ns/b"]]
        for response in responses {
            afterACKs += state.receive(DiscoveryRequest(versionInfo: response.version, resourceNames: names[response.type] ?? [], typeURL: response.type.typeURL, responseNonce: response.nonce)).responses
        }
        #expect(afterACKs.map(\.type) == [.route])
        #expect(ResourceType.allCases.sorted() == [.cluster, .endpoint, .secret, .listener, .scopedRoute, .route])
    }

    @Test("a rejected secret is not sent again; a proxy that never asked for secrets gets none")
    func nackAndUnsubscribed() throws {
        let before = try Self.snapshot()
        let after = try Self.snapshot(a: Self.rotated)
        var state = Self.subscribedStream(before, secrets: ["ns/a"])
        let pushed = try #require(state.update(after).first)
        let (outcome, _) = state.receive(DiscoveryRequest(
            versionInfo: before.version, resourceNames: ["ns/a"], typeURL: ResourceType.secret.typeURL, responseNonce: pushed.nonce,
            errorDetail: .init(code: 13, message: "Failed to load certificate chain")
        ))
        guard case .rejected(.secret, _, _, "Failed to load certificate chain") = outcome else {
            Issue.record("not a NACK: \(outcome)")
            return
        }
        #expect(state.update(after).isEmpty, "the rejected content is never resent")

        var plain = DiscoveryStreamState()
        _ = plain.update(before)
        _ = plain.receive(DiscoveryRequest(node: Self.node, typeURL: ResourceType.listener.typeURL))
        #expect(plain.update(after).isEmpty, "only a subscribed type is pushed")
    }
}
