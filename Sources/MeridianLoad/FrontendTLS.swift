/// A Gateway's `spec.tls.frontend` (GEP-91): how its HTTPS listeners validate client
/// certificates, by default and per port.
public struct FrontendTLSConfig: Sendable, Hashable {
    /// `default.validation`: for HTTPS listeners on ports `perPort` does not name; nil asks
    /// no client certificate.
    public var defaultValidation: FrontendTLSValidation?
    /// `perPort`, in order, each port once.
    public var perPort: [FrontendTLSPortConfig]

    public init(defaultValidation: FrontendTLSValidation? = nil, perPort: [FrontendTLSPortConfig] = []) {
        self.defaultValidation = defaultValidation
        self.perPort = perPort
    }

    /// The validation in effect for HTTPS listeners on Gateway port `port` (as written, before
    /// any port offset), and the field it comes from for messages; nil when none applies. A
    /// `perPort` entry replaces the default whole, so one without `validation` turns it off.
    public func validation(forPort port: Int) -> (validation: FrontendTLSValidation, field: String)? {
        if let index = perPort.firstIndex(where: { $0.port == port }) {
            return perPort[index].validation.map { ($0, "spec.tls.frontend.perPort[\(index)].tls.validation") }
        }
        return defaultValidation.map { ($0, "spec.tls.frontend.default.validation") }
    }

    /// Where `AllowInsecureFallback` is configured (the default and the `perPort` entries
    /// saying so), as field paths; empty when nowhere.
    public var insecureFallbackFields: [String] {
        var fields: [String] = []
        if defaultValidation?.mode == .allowInsecureFallback { fields.append("spec.tls.frontend.default.validation.mode") }
        for (index, entry) in perPort.enumerated() where entry.validation?.mode == .allowInsecureFallback {
            fields.append("spec.tls.frontend.perPort[\(index)].tls.validation.mode (port \(entry.port))")
        }
        return fields
    }
}

/// One `perPort` entry (`TLSPortConfig`): the TLS configuration of every HTTPS listener on a port.
public struct FrontendTLSPortConfig: Sendable, Hashable {
    /// The Gateway listener port, 1 to 65535.
    public var port: Int
    /// `tls.validation`; nil asks no client certificate on this port, whatever the default says.
    public var validation: FrontendTLSValidation?

    public init(port: Int, validation: FrontendTLSValidation?) {
        self.port = port
        self.validation = validation
    }
}

/// `FrontendTLSValidation`: the CA certificates client certificates must chain to, and the mode.
public struct FrontendTLSValidation: Sendable, Hashable {
    /// 1 to 16 `ObjectReference`s (group, kind and name required; namespace optional, and a
    /// ReferenceGrant is needed for another one). Meridian reads ConfigMaps and Secrets, key `ca.crt`.
    public var caCertificateRefs: [SecretObjectReference]
    public var mode: FrontendValidationMode

    public init(caCertificateRefs: [SecretObjectReference], mode: FrontendValidationMode = .allowValidOnly) {
        self.caCertificateRefs = caCertificateRefs
        self.mode = mode
    }
}

/// `FrontendValidationModeType`: whether a client without a valid certificate is refused.
public enum FrontendValidationMode: String, Sendable, Hashable, CaseIterable {
    /// A certificate is required and must chain to the CA certificates (the API's default).
    case allowValidOnly = "AllowValidOnly"
    /// A certificate is asked for, but connections without one, or with one that fails
    /// validation, are accepted too (authorization is left to the backend).
    case allowInsecureFallback = "AllowInsecureFallback"
}
