import EnvoyAPI
import Foundation
import MeridianEncode
import MeridianIR
import MeridianServe
import MeridianTestSupport
import TLSCertificates
import Testing

@Suite("Encoding HTTPS listeners and their secrets")
struct TLSEncodingTests {
    static let a = try! TestCertificates.make(["a.example.com"])
    static let bRSA = try! TestCertificates.make(["b.example.com"], key: .rsa(bits: 2048))
    static let bECDSA = try! TestCertificates.make(["b.example.com"])

    static func secret(_ name: String, _ certificate: GeneratedCertificate) -> TLSSecret {
        TLSSecret(name: name, certificateChain: Array(certificate.certificatePEM.utf8), privateKey: Array(certificate.privateKeyPEM.utf8))
    }

    static func table(_ name: String) -> RouteTable {
        RouteTable(name: name, virtualHosts: [
            VirtualHost(name: "any-host", domains: ["*"], routes: [
                Route(name: "all", match: RouteMatch(), action: .forward([WeightedBackend(clusterName: "backend", weight: 1)])),
            ]),
        ])
    }

    /// An HTTP listener, and an HTTPS one with two SNI chains (one with RSA + ECDSA) and a default chain.
    static let configuration = ProxyConfiguration(
        group: "ns/gw",
        listeners: [
            Listener(name: "http-8080", address: "127.0.0.1", port: 8080, routeTableName: "http-8080"),
            Listener(name: "https-8443", address: "127.0.0.1", port: 8443, filterChains: [
                FilterChain(name: "https-8443-a", serverNames: ["a.example.com"], tls: DownstreamTLS(certificateSecrets: ["ns/a"]), routeTableName: "https-8443-a"),
                FilterChain(name: "https-8443-b", serverNames: ["b.example.com"], tls: DownstreamTLS(certificateSecrets: ["ns/b-rsa", "ns/b-ecdsa"]), routeTableName: "https-8443-b"),
                FilterChain(name: "https-8443-any", tls: DownstreamTLS(certificateSecrets: ["ns/a"]), routeTableName: "https-8443-any"),
            ]),
        ],
        routeTables: [table("http-8080"), table("https-8443-a"), table("https-8443-b"), table("https-8443-any")],
        clusters: [Cluster(name: "backend", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: 9000)]))],
        secrets: [secret("ns/a", a), secret("ns/b-ecdsa", bECDSA), secret("ns/b-rsa", bRSA)]
    )

    @Test("the HTTPS listener: TLS inspector, a chain per SNI name with SDS certificates over ADS and ALPN, its own RDS table")
    func listener() throws {
        let snapshot = try Snapshot(resources: EnvoyResourceEncoder.encode(Self.configuration))
        let resource = try #require(snapshot.resource(.listener, named: "https-8443"))
        #expect(Set(resource.references) == Set(
            ["https-8443-a", "https-8443-b", "https-8443-any"].map { XDSResource.Reference(type: .route, name: $0) }
                + ["ns/a", "ns/b-rsa", "ns/b-ecdsa"].map { XDSResource.Reference(type: .secret, name: $0) }
        ))
        let json = try #require(ProtobufJSON.render(typeURL: ResourceType.listener.typeURL, bytes: resource.message.bytes))
        #expect(json.at("listener_filters", 0, "name") == .string("envoy.filters.listener.tls_inspector"))
        #expect(json.at("listener_filters", 0, "typed_config", "@type") == .string("type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector"))
        let chainB = try #require(json.at("filter_chains", 1))
        #expect(chainB.at("name") == .string("https-8443-b"))
        #expect(chainB.at("filter_chain_match", "server_names") == .array([.string("b.example.com")]))
        #expect(chainB.at("transport_socket", "name") == .string("envoy.transport_sockets.tls"))
        let common = try #require(chainB.at("transport_socket", "typed_config", "common_tls_context"))
        #expect(common.at("tls_certificate_sds_secret_configs", 0, "name") == .string("ns/b-rsa"))
        #expect(common.at("tls_certificate_sds_secret_configs", 1, "name") == .string("ns/b-ecdsa"))
        #expect(common.at("tls_certificate_sds_secret_configs", 0, "sds_config", "ads") == .object([]))
        #expect(common.at("tls_certificate_sds_secret_configs", 0, "sds_config", "resource_api_version") == .string("V3"))
        #expect(common.at("alpn_protocols") == .array([.string("h2"), .string("http/1.1")]))
        #expect(chainB.at("filters", 0, "typed_config", "rds", "route_config_name") == .string("https-8443-b"))
        #expect(chainB.at("filters", 0, "typed_config", "stat_prefix") == .string("https-8443-b"))
        #expect(json.at("filter_chains", 2, "filter_chain_match") == nil, "the default chain matches every other connection")

        let plain = try #require(ProtobufJSON.render(typeURL: ResourceType.listener.typeURL, bytes: snapshot.resource(.listener, named: "http-8080")!.message.bytes))
        #expect(plain.at("listener_filters") == nil && plain.at("filter_chains", 0, "transport_socket") == nil && plain.at("filter_chains", 0, "name") == nil,
                "a plain listener is encoded as it always was")
    }

    @Test("each secret is an SDS Secret with the PEM inline; the config dump redacts the key as Envoy does")
    func secrets() throws {
        let snapshot = try Snapshot(resources: EnvoyResourceEncoder.encode(Self.configuration))
        #expect(snapshot.resources[.secret]?.map(\.name) == ["ns/a", "ns/b-ecdsa", "ns/b-rsa"])
        let secret = try #require(ProtobufJSON.render(typeURL: ResourceType.secret.typeURL, bytes: snapshot.resource(.secret, named: "ns/a")!.message.bytes))
        #expect(secret.at("name") == .string("ns/a"))
        #expect(secret.at("tls_certificate", "certificate_chain", "inline_bytes") == .string(Data(Self.a.certificatePEM.utf8).base64EncodedString()))
        #expect(secret.at("tls_certificate", "private_key", "inline_bytes") == .string(Data(Self.a.privateKeyPEM.utf8).base64EncodedString()))

        let dump = ConfigDump.render(snapshot).json()
        #expect(dump.contains("type.googleapis.com/envoy.admin.v3.SecretsConfigDump"))
        #expect(dump.contains("\"inline_string\": \"[redacted]\""))
        #expect(!dump.contains(Data(Self.a.privateKeyPEM.utf8).base64EncodedString()), "no private key in the dump")
        #expect(dump.contains(Data(Self.a.certificatePEM.utf8).base64EncodedString()))
    }

    @Test("a snapshot refuses a listener naming a secret it does not hold")
    func danglingSecret() {
        var broken = Self.configuration
        broken.secrets.removeLast()
        #expect(throws: SnapshotError(code: .missingReference, message: "Listener \"https-8443\" refers to Secret \"ns/b-rsa\", which the snapshot does not contain")) {
            try Snapshot(resources: EnvoyResourceEncoder.encode(broken))
        }
    }

    @Test("envoy --mode validate accepts the HTTPS listener with its certificates inlined (RSA and ECDSA on one chain)")
    func envoyValidates() throws {
        let snapshot = try Snapshot(resources: EnvoyResourceEncoder.encode(Self.configuration))
        let bootstrap = try StaticBootstrap.embedding(snapshot)
        let result = try StaticBootstrap.validate(bootstrap, directory: try RepositoryPaths.makeScratchDirectory("validate-tls"))
        #expect(result.valid, "envoy --mode validate: \(result.output)")

        // And the check can fail: a key that is not the certificate's.
        var mismatched = Self.configuration
        mismatched.secrets[0].privateKey = Array(Self.bECDSA.privateKeyPEM.utf8)
        let bad = try StaticBootstrap.embedding(try Snapshot(resources: EnvoyResourceEncoder.encode(mismatched)))
        let refused = try StaticBootstrap.validate(bad, directory: try RepositoryPaths.makeScratchDirectory("validate-tls-bad"))
        #expect(!refused.valid)
    }
}
