import MeridianIR
import MeridianLoad
import TLSCertificates

/// A Gateway's `spec.tls.backend.clientCertificateRef`: the certificate Envoy presents to the
/// Gateway's TLS backends, and the Gateway's own `ResolvedRefs` condition.
///
/// "TLS backends" are the clusters a BackendTLSPolicy gave an `UpstreamTlsContext`: the API
/// leaves the choice of which backends speak TLS to BackendTLSPolicy, and this field only says
/// what the Gateway presents when they do. Plain-text clusters are untouched.
///
/// Clusters are per Gateway. Each Gateway is a proxy group with a configuration of its own
/// (`ProxyAssembly` keeps clusters by Gateway, then name), so a Service port that routes of two
/// Gateways send to is one cluster in each Gateway's configuration, and each gets its own
/// Gateway's certificate: no cluster is shared that could carry the other Gateway's.
enum BackendClientCertificate {
    enum Outcome: Equatable {
        /// No `clientCertificateRef`: TLS backends are offered no client certificate.
        case none
        case resolved(ResolvedCertificate)
        /// Unusable: the Gateway's `ResolvedRefs=False` reason, and why.
        case refused(ConditionReason, String)
    }

    static let field = "spec.tls.backend.clientCertificateRef"

    /// Checks the reference as a listener's certificate is checked (same rules, same OpenSSL
    /// checks), with the reasons the API gives the Gateway's `ResolvedRefs`:
    /// `InvalidClientCertificateRef` for a reference that names no usable `kubernetes.io/tls`
    /// Secret (another kind or group, missing, another type, keys missing or malformed, a key
    /// that is not the certificate's), `RefNotPermitted` without a ReferenceGrant, and, as the
    /// API asks for checks of the certificate's content beyond that, Meridian's own
    /// `ClientCertificateNotValid` (expired, not yet valid) and `UnsupportedClientCertificateKey`.
    static func resolve(_ gateway: Gateway, context: TranslationContext) -> Outcome {
        guard let reference = gateway.spec.backendTLS?.clientCertificateRef else { return .none }
        let result = CertificateResolution.resolve(
            reference, field: "\(field): ", ownerKind: "Gateway", ownerNamespace: gateway.metadata.namespace ?? "default",
            invalidReason: .invalidClientCertificateRef, context: context, cache: CertificateResolution.Cache()
        )
        switch result {
        case .success(let certificate):
            return .resolved(certificate)
        case .failure(let problem):
            switch problem.certificateProblem {
            case .expired?, .notYetValid?, .unreadableValidity?:
                return .refused(.clientCertificateNotValid, problem.message)
            case .unsupportedKey?:
                return .refused(.unsupportedClientCertificateKey, problem.message)
            default:
                return .refused(problem.reason, problem.message)
            }
        }
    }

    /// Puts the certificate on every TLS cluster of the Gateway's configuration (by name over
    /// SDS, as listener certificates are, and served once even when a listener also names it).
    ///
    /// A certificate that cannot be used leaves those clusters without endpoints, so their
    /// requests answer 503: Envoy does not connect without the certificate the Gateway asks it
    /// to present (a backend that only checks a certificate when one is given would otherwise
    /// take the Gateway for an anonymous client). Plain-text clusters keep serving.
    static func apply(_ outcome: Outcome, to configuration: inout ProxyConfiguration) {
        switch outcome {
        case .none:
            return
        case .resolved(let certificate):
            var usesIt = false
            for index in configuration.clusters.indices where configuration.clusters[index].upstreamTLS != nil {
                configuration.clusters[index].upstreamTLS?.clientCertificateSecret = certificate.secretName
                usesIt = true
            }
            if usesIt, !configuration.secrets.contains(where: { $0.name == certificate.secretName }) {
                configuration.secrets.append(certificate.secret)
                configuration.secrets.sort { $0.name < $1.name }
            }
        case .refused:
            for index in configuration.clusters.indices where configuration.clusters[index].upstreamTLS != nil {
                configuration.clusters[index].discovery = .endpoints([])
            }
        }
    }

    /// The Gateway's `ResolvedRefs`: the client certificate reference (the Gateway's one
    /// reference outside its listeners) first, then, as the API asks, a summary of the
    /// listeners' own `ResolvedRefs` (`ListenersNotResolved` naming those that are False).
    static func condition(_ outcome: Outcome, listeners: [ListenerStatus]) -> Condition {
        let unresolved = listeners.filter { listener in
            listener.conditions.contains { $0.type == .resolvedRefs && !$0.status }
        }.map(\.name)
        let listenerNote = unresolved.isEmpty ? nil : "listeners with unresolved references: " + unresolved.joined(separator: ", ")
        switch outcome {
        case .refused(let reason, let message):
            let effect = "requests to TLS backends answer 503 (Envoy does not connect without the certificate)"
            return Condition(.resolvedRefs, false, reason: reason, message: ([message, effect] + [listenerNote].compactMap { $0 }).joined(separator: "; "))
        case .resolved(let certificate):
            let presented = "client certificate for TLS backends: \(certificate.description)"
            if let listenerNote { return Condition(.resolvedRefs, false, reason: .listenersNotResolved, message: "\(listenerNote); \(presented)") }
            return Condition(.resolvedRefs, true, reason: .resolvedRefs, message: presented)
        case .none:
            if let listenerNote { return Condition(.resolvedRefs, false, reason: .listenersNotResolved, message: listenerNote) }
            return Condition(.resolvedRefs, true, reason: .resolvedRefs)
        }
    }
}
