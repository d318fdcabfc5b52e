import EnvoyAPI
import Foundation
import MeridianEncode
import MeridianIR
import MeridianServe
import MeridianTestSupport
import TLSCertificates
import Testing

@Suite("Encoding TLS to backends")
struct UpstreamTLSEncodingTests {
    @Test("a cluster with UpstreamTLS has an UpstreamTlsContext: SNI, trusted CA inline or by file, exact SAN matchers")
    func transportSocket() throws {
        let configuration = ProxyConfiguration(
            group: "ns/gw",
            listeners: [],
            routeTables: [],
            clusters: [
                Cluster(name: "inline", discovery: .dns([Endpoint(address: "127.0.0.1", port: 8443)]),
                        upstreamTLS: UpstreamTLS(serverName: "b.example.com", trust: .inline(Array("PEM".utf8)), subjectAltNames: [.dns("b.example.com"), .uri("spiffe://c/x")])),
                Cluster(name: "system", discovery: .dns([Endpoint(address: "127.0.0.1", port: 8443)]),
                        upstreamTLS: UpstreamTLS(serverName: "s.example.com", trust: .file("/etc/ssl/certs/ca-certificates.crt"), subjectAltNames: [.dns("s.example.com")])),
                Cluster(name: "plain", discovery: .dns([Endpoint(address: "127.0.0.1", port: 80)])),
            ]
        )
        let snapshot = try Snapshot(resources: EnvoyResourceEncoder.encode(configuration))
        func json(_ name: String) throws -> JSONValue {
            try #require(ProtobufJSON.render(typeURL: ResourceType.cluster.typeURL, bytes: snapshot.resource(.cluster, named: name)!.message.bytes))
        }
        let inline = try json("inline")
        #expect(inline.at("transport_socket", "name") == .string("envoy.transport_sockets.tls"))
        #expect(inline.at("transport_socket", "typed_config", "@type") == .string("type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"))
        #expect(inline.at("transport_socket", "typed_config", "sni") == .string("b.example.com"))
        let validation = try #require(inline.at("transport_socket", "typed_config", "common_tls_context", "validation_context"))
        #expect(validation.at("trusted_ca", "inline_bytes") == .string(Data("PEM".utf8).base64EncodedString()))
        #expect(validation.at("match_typed_subject_alt_names", 0, "san_type") == .string("DNS"))
        #expect(validation.at("match_typed_subject_alt_names", 0, "matcher", "exact") == .string("b.example.com"))
        #expect(validation.at("match_typed_subject_alt_names", 1, "san_type") == .string("URI"))
        #expect(validation.at("match_typed_subject_alt_names", 1, "matcher", "exact") == .string("spiffe://c/x"))
        let system = try json("system")
        #expect(system.at("transport_socket", "typed_config", "common_tls_context", "validation_context", "trusted_ca", "filename") == .string("/etc/ssl/certs/ca-certificates.crt"))
        #expect(try json("plain").at("transport_socket") == nil)
    }

    static let backendCA = try! TestCertificates.make(["backend.example.com"])
    static let client = try! TestCertificates.make(["client.example.com"], key: .rsa(bits: 2048))
    static let otherClient = try! TestCertificates.make(["other.example.com"])

    /// A TLS cluster presenting `ns/client` (a Gateway's `spec.tls.backend`), its Secret, and a plain cluster.
    static let withClientCertificate = ProxyConfiguration(
        group: "ns/gw",
        clusters: [
            Cluster(name: "ns/tls:443", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: 8443)]),
                    upstreamTLS: UpstreamTLS(serverName: "backend.example.com", trust: .inline(Array(backendCA.certificatePEM.utf8)),
                                             subjectAltNames: [.dns("backend.example.com")], clientCertificateSecret: "ns/client")),
            Cluster(name: "ns/plain:80", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: 8080)])),
        ],
        secrets: [TLSSecret(name: "ns/client", certificateChain: Array(client.certificatePEM.utf8), privateKey: Array(client.privateKeyPEM.utf8))]
    )

    @Test("a client certificate is named in the UpstreamTlsContext over SDS (ADS), and the cluster depends on its Secret")
    func clientCertificate() throws {
        let snapshot = try Snapshot(resources: EnvoyResourceEncoder.encode(Self.withClientCertificate))
        let resource = try #require(snapshot.resource(.cluster, named: "ns/tls:443"))
        let cluster = try #require(ProtobufJSON.render(typeURL: ResourceType.cluster.typeURL, bytes: resource.message.bytes))
        let common = try #require(cluster.at("transport_socket", "typed_config", "common_tls_context"))
        #expect(common.at("tls_certificate_sds_secret_configs", 0, "name") == .string("ns/client"))
        #expect(common.at("tls_certificate_sds_secret_configs", 0, "sds_config", "ads") != nil, "fetched over the ADS stream, as listener certificates are")
        #expect(common.at("tls_certificate_sds_secret_configs", 1) == nil)
        #expect(common.at("tls_certificates") == nil, "the key is never inline in the cluster")
        #expect(common.at("validation_context", "trusted_ca", "inline_bytes") != nil, "the backend is still verified")
        #expect(resource.references.contains(.init(type: .secret, name: "ns/client")))
        #expect(resource.references.contains(.init(type: .endpoint, name: "ns/tls:443")))

        var dangling = Self.withClientCertificate
        dangling.secrets = []
        #expect(throws: SnapshotError(code: .missingReference, message: "Cluster \"ns/tls:443\" refers to Secret \"ns/client\", which the snapshot does not contain")) {
            try Snapshot(resources: EnvoyResourceEncoder.encode(dangling))
        }
    }

    @Test("envoy --mode validate accepts a TLS cluster with a client certificate, and refuses one whose key is not the certificate's")
    func envoyValidatesClientCertificate() throws {
        let snapshot = try Snapshot(resources: EnvoyResourceEncoder.encode(Self.withClientCertificate))
        let result = try StaticBootstrap.validate(try StaticBootstrap.embedding(snapshot), directory: try RepositoryPaths.makeScratchDirectory("validate-client-cert"))
        #expect(result.valid, "envoy --mode validate: \(result.output)")

        var mismatched = Self.withClientCertificate
        mismatched.secrets[0].privateKey = Array(Self.otherClient.privateKeyPEM.utf8)
        let bad = try StaticBootstrap.embedding(try Snapshot(resources: EnvoyResourceEncoder.encode(mismatched)))
        let refused = try StaticBootstrap.validate(bad, directory: try RepositoryPaths.makeScratchDirectory("validate-client-cert-bad"))
        #expect(!refused.valid, "Envoy loads the client certificate: a key that is not the certificate's is refused")
    }
}
