/// A Gateway's `spec.tls.backend` (Gateway API v1 `GatewayBackendTLS`): how the Gateway acts
/// as a TLS client towards its backends.
///
/// Only the client side: which backends get TLS at all is a BackendTLSPolicy's business, so
/// this applies to the connections a BackendTLSPolicy already makes TLS.
public struct GatewayBackendTLS: Sendable, Hashable {
    /// `clientCertificateRef`: the certificate and key the Gateway presents to TLS backends
    /// (group defaults to core, kind to `Secret`; a namespace other than the Gateway's needs a
    /// ReferenceGrant). Nil when the field is absent (`backend: {}` presents none).
    public var clientCertificateRef: SecretObjectReference?

    public init(clientCertificateRef: SecretObjectReference? = nil) {
        self.clientCertificateRef = clientCertificateRef
    }
}

extension GatewayBackendTLS {
    /// Decodes `spec.tls.backend`; the CRD requires only the reference's `name`.
    static func decode(_ mapping: MappingReader) -> GatewayBackendTLS {
        GatewayBackendTLS(clientCertificateRef: mapping.mapping("clientCertificateRef").map(SecretObjectReference.decode))
    }
}
