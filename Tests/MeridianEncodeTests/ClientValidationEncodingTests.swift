import EnvoyAPI
import Foundation
import MeridianEncode
import MeridianIR
import MeridianServe
import MeridianTestSupport
import TLSCertificates
import Testing

/// Client certificate validation (a Gateway's `spec.tls.frontend`) in the DownstreamTlsContext,
/// and what `envoy --mode validate` makes of it.
@Suite("Encoding client certificate validation")
struct ClientValidationEncodingTests {
    static let server = try! TestCertificates.make(["a.example.com"])
    static let authority = try! CertificateGenerator.make(
        commonName: "client CA", dnsNames: [], notBefore: CertificateInspection.currentTime() - 60,
        notAfter: CertificateInspection.currentTime() + 86_400, isCA: true
    )

    /// One HTTPS listener with three chains: validation required, insecure fallback, none.
    static func configuration(trustedCA: [UInt8] = Array(authority.certificatePEM.utf8)) -> ProxyConfiguration {
        let table = { (name: String) in
            RouteTable(name: name, virtualHosts: [
                VirtualHost(name: "any-host", domains: ["*"], routes: [
                    Route(name: "all", match: RouteMatch(), action: .forward([WeightedBackend(clusterName: "backend", weight: 1)])),
                ]),
            ])
        }
        return ProxyConfiguration(
            group: "ns/gw",
            listeners: [
                Listener(name: "https-8443", address: "127.0.0.1", port: 8443, filterChains: [
                    FilterChain(name: "strict", serverNames: ["strict.example.com"], tls: DownstreamTLS(
                        certificateSecrets: ["ns/a"], clientValidation: ClientCertificateValidation(trustedCA: trustedCA, required: true)
                    ), routeTableName: "strict"),
                    FilterChain(name: "fallback", serverNames: ["fallback.example.com"], tls: DownstreamTLS(
                        certificateSecrets: ["ns/a"], clientValidation: ClientCertificateValidation(trustedCA: trustedCA, required: false)
                    ), routeTableName: "fallback"),
                    FilterChain(name: "none", tls: DownstreamTLS(certificateSecrets: ["ns/a"]), routeTableName: "none"),
                ]),
            ],
            routeTables: [table("strict"), table("fallback"), table("none")],
            clusters: [Cluster(name: "backend", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: 9000)]))],
            secrets: [TLSSecret(name: "ns/a", certificateChain: Array(server.certificatePEM.utf8), privateKey: Array(server.privateKeyPEM.utf8))]
        )
    }

    @Test("AllowValidOnly requires a certificate chaining to the inline CA; AllowInsecureFallback asks for one and accepts untrusted ones; none asks nothing")
    func downstreamContext() throws {
        let snapshot = try Snapshot(resources: EnvoyResourceEncoder.encode(Self.configuration()))
        let listener = try #require(ProtobufJSON.render(typeURL: ResourceType.listener.typeURL, bytes: snapshot.resource(.listener, named: "https-8443")!.message.bytes))
        let ca = JSONValue.string(Data(Self.authority.certificatePEM.utf8).base64EncodedString())

        let strict = try #require(listener.at("filter_chains", 0, "transport_socket", "typed_config"))
        #expect(strict.at("require_client_certificate") == .bool(true))
        #expect(strict.at("common_tls_context", "validation_context", "trusted_ca", "inline_bytes") == ca)
        #expect(strict.at("common_tls_context", "validation_context", "trust_chain_verification") == nil, "the default, VERIFY_TRUST_CHAIN")
        #expect(strict.at("common_tls_context", "tls_certificate_sds_secret_configs", 0, "name") == .string("ns/a"))

        let fallback = try #require(listener.at("filter_chains", 1, "transport_socket", "typed_config"))
        #expect(fallback.at("require_client_certificate") == .bool(false))
        #expect(fallback.at("common_tls_context", "validation_context", "trusted_ca", "inline_bytes") == ca)
        #expect(fallback.at("common_tls_context", "validation_context", "trust_chain_verification") == .string("ACCEPT_UNTRUSTED"))

        let none = try #require(listener.at("filter_chains", 2, "transport_socket", "typed_config"))
        #expect(none.at("require_client_certificate") == nil && none.at("common_tls_context", "validation_context") == nil)
    }

    @Test("envoy --mode validate accepts it, and agrees with Meridian's trust bundle check on broken bundles")
    func envoyValidates() throws {
        let valid = try Self.validate(Self.configuration(), "valid")
        #expect(valid.valid, "envoy --mode validate: \(valid.output)")

        let pem = Self.authority.certificatePEM
        let brokenBlock = "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n"
        let cases: [(label: String, bundle: String, usable: Bool)] = [
            ("no-certificate", "not a certificate\n", false),
            ("second-block-broken", pem + brokenBlock, false),
            ("key-beside-certificate", pem + Self.authority.privateKeyPEM, true),
            ("two-certificates", pem + Self.server.certificatePEM, true),
        ]
        for (label, bundle, usable) in cases {
            let meridian = CertificateInspection.inspectTrustBundle(Array(bundle.utf8))
            let envoy = try Self.validate(Self.configuration(trustedCA: Array(bundle.utf8)), label)
            let meridianAccepts = if case .success = meridian { true } else { false }
            #expect(envoy.valid == usable, "\(label): \(envoy.output.suffix(400))")
            #expect(meridianAccepts == envoy.valid, "\(label): Meridian \(meridian), Envoy \(envoy.valid ? "accepts" : "refuses"): \(envoy.output.suffix(400))")
        }
    }

    static func validate(_ configuration: ProxyConfiguration, _ label: String) throws -> (valid: Bool, output: String) {
        let bootstrap = try StaticBootstrap.embedding(try Snapshot(resources: EnvoyResourceEncoder.encode(configuration)))
        return try StaticBootstrap.validate(bootstrap, directory: try RepositoryPaths.makeScratchDirectory("validate-client-\(label)"))
    }
}
