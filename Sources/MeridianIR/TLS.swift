/// Connections a listener treats alike: by TLS server name (SNI), or all of them.
public struct FilterChain: Sendable, Hashable {
    /// Unique within its listener; the HTTP statistics prefix of the chain.
    public var name: String
    /// SNI names this chain takes (exact, or `*.` wildcards); empty takes every connection
    /// no other chain's names match.
    public var serverNames: [String]
    /// TLS terminated with these certificates; nil for plain text.
    public var tls: DownstreamTLS?
    /// The route table, fetched by name over RDS.
    public var routeTableName: String

    public init(name: String, serverNames: [String] = [], tls: DownstreamTLS? = nil, routeTableName: String) {
        self.name = name
        self.serverNames = serverNames
        self.tls = tls
        self.routeTableName = routeTableName
    }
}

/// TLS termination: the certificates offered (the client's SNI and signature algorithms
/// pick one) and the application protocols negotiated by ALPN.
public struct DownstreamTLS: Sendable, Hashable {
    /// Names of `TLSSecret`s, fetched over SDS.
    public var certificateSecrets: [String]
    public var alpnProtocols: [String]
    /// Client certificate validation (mutual TLS); nil asks for no client certificate.
    public var clientValidation: ClientCertificateValidation?

    public init(certificateSecrets: [String], alpnProtocols: [String] = ["h2", "http/1.1"], clientValidation: ClientCertificateValidation? = nil) {
        self.certificateSecrets = certificateSecrets
        self.alpnProtocols = alpnProtocols
        self.clientValidation = clientValidation
    }
}

/// How a TLS listener checks client certificates (a Gateway's `spec.tls.frontend`).
public struct ClientCertificateValidation: Sendable, Hashable {
    /// PEM CA certificates client certificates must chain to, inline in the listener.
    public var trustedCA: [UInt8]
    /// Whether a client without a valid certificate is refused; false requests a certificate
    /// but accepts connections without one or with an untrusted one.
    public var required: Bool

    public init(trustedCA: [UInt8], required: Bool) {
        self.trustedCA = trustedCA
        self.required = required
    }
}

/// A certificate chain and its private key, PEM, as a listener serves them.
///
/// Its description names it and never shows the key.
public struct TLSSecret: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    /// PEM certificates, the leaf first.
    public var certificateChain: [UInt8]
    /// The PEM private key of the leaf.
    public var privateKey: [UInt8]

    public init(name: String, certificateChain: [UInt8], privateKey: [UInt8]) {
        self.name = name
        self.certificateChain = certificateChain
        self.privateKey = privateKey
    }

    public var description: String { "TLSSecret \(name) (\(certificateChain.count) bytes of certificates, private key redacted)" }
}

/// TLS from Envoy to a cluster's endpoints (a Gateway API BackendTLSPolicy): the server name
/// sent, the CAs trusted and the names the certificate must carry.
public struct UpstreamTLS: Sendable, Hashable {
    /// The SNI sent on every connection.
    public var serverName: String
    /// What the backend's certificate must chain to.
    public var trust: UpstreamTrust
    /// The certificate must carry one of these Subject Alternative Names.
    public var subjectAltNames: [SubjectAltNameMatch]
    /// The name of the `TLSSecret` presented as the client certificate (fetched over SDS, as
    /// listener certificates are); nil presents none.
    public var clientCertificateSecret: String?

    public init(serverName: String, trust: UpstreamTrust, subjectAltNames: [SubjectAltNameMatch], clientCertificateSecret: String? = nil) {
        self.serverName = serverName
        self.trust = trust
        self.subjectAltNames = subjectAltNames
        self.clientCertificateSecret = clientCertificateSecret
    }
}

/// The trusted CA certificates of an upstream TLS context.
public enum UpstreamTrust: Sendable, Hashable {
    /// PEM certificates, inline in the cluster.
    case inline([UInt8])
    /// A PEM bundle on the proxy's machine (the system CAs).
    case file(String)
}

/// One Subject Alternative Name a backend certificate may carry, matched exactly.
public enum SubjectAltNameMatch: Sendable, Hashable {
    case dns(String)
    case uri(String)
}
