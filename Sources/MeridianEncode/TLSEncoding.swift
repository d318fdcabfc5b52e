import CEnvoyAPI
import EnvoyAPI
import MeridianIR

/// TLS termination (`DownstreamTlsContext` with SDS certificates) and the SDS `Secret`s.
enum TLSEncoding {
    /// `envoy.transport_sockets.tls`: the certificates by name over ADS, ALPN, and with client
    /// validation the CAs client certificates must chain to.
    static func transportSocket(_ arena: ProtobufArena, _ tls: DownstreamTLS) -> UnsafeMutablePointer<Envoy__Config__Core__V3__TransportSocket> {
        let certificates = tls.certificateSecrets.map { name in
            arena.make(envoy__extensions__transport_sockets__tls__v3__sds_secret_config__init) {
                $0.name = arena.string(name)
                $0.sds_config = CoreMessages.aggregatedSource(arena)
            }
        }
        let common = arena.make(envoy__extensions__transport_sockets__tls__v3__common_tls_context__init) {
            $0.n_tls_certificate_sds_secret_configs = certificates.count
            $0.tls_certificate_sds_secret_configs = arena.array(certificates)
            $0.n_alpn_protocols = tls.alpnProtocols.count
            $0.alpn_protocols = arena.strings(tls.alpnProtocols)
            if let validation = tls.clientValidation {
                let trustedCA = arena.make(envoy__config__core__v3__data_source__init) {
                    $0.specifier_case = ENVOY__CONFIG__CORE__V3__DATA_SOURCE__SPECIFIER_INLINE_BYTES
                    $0.inline_bytes = arena.binary(validation.trustedCA)
                }
                $0.validation_context_type_case = ENVOY__EXTENSIONS__TRANSPORT_SOCKETS__TLS__V3__COMMON_TLS_CONTEXT__VALIDATION_CONTEXT_TYPE_VALIDATION_CONTEXT
                $0.validation_context = arena.make(envoy__extensions__transport_sockets__tls__v3__certificate_validation_context__init) {
                    $0.trusted_ca = trustedCA
                    // Not requiring a certificate only lets clients without one in: Envoy still
                    // refuses one that does not verify unless told to accept it untrusted.
                    if !validation.required {
                        $0.trust_chain_verification = ENVOY__EXTENSIONS__TRANSPORT_SOCKETS__TLS__V3__CERTIFICATE_VALIDATION_CONTEXT__TRUST_CHAIN_VERIFICATION__ACCEPT_UNTRUSTED
                    }
                }
            }
        }
        let context = arena.make(envoy__extensions__transport_sockets__tls__v3__downstream_tls_context__init) {
            $0.common_tls_context = common
            if let validation = tls.clientValidation {
                $0.require_client_certificate = arena.bool(validation.required)
            }
        }
        return tlsTransportSocket(arena, arena.any(typeURL: ExtensionTypeURL.downstreamTLSContext, packing: context))
    }

    /// `envoy.transport_sockets.tls` to a cluster's endpoints: `UpstreamTlsContext` with the SNI,
    /// the trusted CAs (inline, or a file of the proxy's machine) and the Subject Alternative
    /// Names the certificate must carry (exact matches).
    static func upstreamTransportSocket(_ arena: ProtobufArena, _ tls: UpstreamTLS) -> UnsafeMutablePointer<Envoy__Config__Core__V3__TransportSocket> {
        let trustedCA = arena.make(envoy__config__core__v3__data_source__init) {
            switch tls.trust {
            case .inline(let pem):
                $0.specifier_case = ENVOY__CONFIG__CORE__V3__DATA_SOURCE__SPECIFIER_INLINE_BYTES
                $0.inline_bytes = arena.binary(pem)
            case .file(let path):
                $0.specifier_case = ENVOY__CONFIG__CORE__V3__DATA_SOURCE__SPECIFIER_FILENAME
                $0.filename = arena.string(path)
            }
        }
        let matchers = tls.subjectAltNames.map { name in
            arena.make(envoy__extensions__transport_sockets__tls__v3__subject_alt_name_matcher__init) { matcher in
                let value: String
                switch name {
                case .dns(let dns):
                    matcher.san_type = ENVOY__EXTENSIONS__TRANSPORT_SOCKETS__TLS__V3__SUBJECT_ALT_NAME_MATCHER__SAN_TYPE__DNS
                    value = dns
                case .uri(let uri):
                    matcher.san_type = ENVOY__EXTENSIONS__TRANSPORT_SOCKETS__TLS__V3__SUBJECT_ALT_NAME_MATCHER__SAN_TYPE__URI
                    value = uri
                }
                matcher.matcher = arena.make(envoy__type__matcher__v3__string_matcher__init) {
                    $0.match_pattern_case = ENVOY__TYPE__MATCHER__V3__STRING_MATCHER__MATCH_PATTERN_EXACT
                    $0.exact = arena.string(value)
                }
            }
        }
        let validation = arena.make(envoy__extensions__transport_sockets__tls__v3__certificate_validation_context__init) {
            $0.trusted_ca = trustedCA
            $0.n_match_typed_subject_alt_names = matchers.count
            $0.match_typed_subject_alt_names = arena.array(matchers)
        }
        let common = arena.make(envoy__extensions__transport_sockets__tls__v3__common_tls_context__init) {
            $0.validation_context_type_case = ENVOY__EXTENSIONS__TRANSPORT_SOCKETS__TLS__V3__COMMON_TLS_CONTEXT__VALIDATION_CONTEXT_TYPE_VALIDATION_CONTEXT
            $0.validation_context = validation
            if let name = tls.clientCertificateSecret {
                // Over SDS, as listener certificates are: a renewed client certificate changes
                // only the Secret, so Envoy keeps the cluster and its connection pools.
                $0.n_tls_certificate_sds_secret_configs = 1
                $0.tls_certificate_sds_secret_configs = arena.array([sdsSecretConfig(arena, name)])
            }
        }
        let context = arena.make(envoy__extensions__transport_sockets__tls__v3__upstream_tls_context__init) {
            $0.common_tls_context = common
            $0.sni = arena.string(tls.serverName)
        }
        return tlsTransportSocket(arena, arena.any(typeURL: ExtensionTypeURL.upstreamTLSContext, packing: context))
    }

    /// The `envoy.transport_sockets.tls` transport socket around a packed TLS context.
    private static func tlsTransportSocket(_ arena: ProtobufArena, _ typed: UnsafeMutablePointer<Google__Protobuf__Any>) -> UnsafeMutablePointer<Envoy__Config__Core__V3__TransportSocket> {
        arena.make(envoy__config__core__v3__transport_socket__init) {
            $0.name = arena.string(ExtensionName.tlsTransportSocket)
            $0.config_type_case = ENVOY__CONFIG__CORE__V3__TRANSPORT_SOCKET__CONFIG_TYPE_TYPED_CONFIG
            $0.typed_config = typed
        }
    }

    /// A secret fetched by name over the ADS stream.
    private static func sdsSecretConfig(_ arena: ProtobufArena, _ name: String) -> UnsafeMutablePointer<Envoy__Extensions__TransportSockets__Tls__V3__SdsSecretConfig> {
        arena.make(envoy__extensions__transport_sockets__tls__v3__sds_secret_config__init) {
            $0.name = arena.string(name)
            $0.sds_config = CoreMessages.aggregatedSource(arena)
        }
    }

    /// A `Secret` holding a certificate chain and its key, inline.
    static func encode(_ secret: TLSSecret) -> [UInt8] {
        let arena = ProtobufArena()
        func inline(_ bytes: [UInt8]) -> UnsafeMutablePointer<Envoy__Config__Core__V3__DataSource> {
            arena.make(envoy__config__core__v3__data_source__init) {
                $0.specifier_case = ENVOY__CONFIG__CORE__V3__DATA_SOURCE__SPECIFIER_INLINE_BYTES
                $0.inline_bytes = arena.binary(bytes)
            }
        }
        let certificate = arena.make(envoy__extensions__transport_sockets__tls__v3__tls_certificate__init) {
            $0.certificate_chain = inline(secret.certificateChain)
            $0.private_key = inline(secret.privateKey)
        }
        let message = arena.make(envoy__extensions__transport_sockets__tls__v3__secret__init) {
            $0.name = arena.string(secret.name)
            $0.type_case = ENVOY__EXTENSIONS__TRANSPORT_SOCKETS__TLS__V3__SECRET__TYPE_TLS_CERTIFICATE
            $0.tls_certificate = certificate
        }
        return ProtobufWire.pack(message)
    }
}
