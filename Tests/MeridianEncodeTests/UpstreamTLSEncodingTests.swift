import EnvoyAPI
import Foundation
import MeridianEncode
import MeridianIR
import MeridianServe
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
}
