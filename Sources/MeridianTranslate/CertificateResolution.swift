import MeridianIR
import MeridianLoad
import TLSCertificates

/// A listener certificate that passed every check: the Secret's PEM and what OpenSSL read from it.
struct ResolvedCertificate: Hashable {
    /// `namespace/name` of the Secret; also the name Envoy fetches it by over SDS.
    var secretName: String
    var certificateChain: [UInt8]
    var privateKey: [UInt8]
    var summary: CertificateSummary

    var secret: TLSSecret { TLSSecret(name: secretName, certificateChain: certificateChain, privateKey: privateKey) }

    /// `Secret ns/a (ECDSA P-256 for a.example.com, *.a.example.com; valid until 2026-12-01T00:00:00Z)`.
    var description: String {
        let names = summary.dnsNames.isEmpty ? "no DNS names" : "for " + summary.dnsNames.joined(separator: ", ")
        return "Secret \(secretName) (\(summary.key) \(names); valid until \(CertificateInspection.formatTime(summary.notAfter)))"
    }
}

/// Resolves an HTTPS listener's `tls.certificateRefs` (and, one reference at a time, a
/// Gateway's backend client certificate): reference rules (kind, ReferenceGrant), the
/// Secret's existence and type, then its certificate and key through OpenSSL.
enum CertificateResolution {
    enum Outcome {
        case resolved([ResolvedCertificate])
        /// The listener's `ResolvedRefs=False` reason, and every problem found.
        case refused(ConditionReason, String)
    }

    /// Each Secret is checked once per translation, however many listeners name it.
    final class Cache {
        var results: [String: Result<CertificateSummary, CertificateProblem>] = [:]
    }

    /// `ownerKind` and `ownerNamespace` name the object that declares the listener (a Gateway or
    /// a ListenerSet): references leave its namespace only where a ReferenceGrant lets that kind.
    static func resolve(_ listener: MeridianLoad.Listener, ownerKind: String, ownerNamespace gatewayNamespace: String, context: TranslationContext, cache: Cache) -> Outcome {
        let references = listener.tls?.certificateRefs ?? []
        guard !references.isEmpty else { return .refused(.invalidCertificateRef, "an HTTPS listener needs tls.certificateRefs") }
        var certificates: [ResolvedCertificate] = []
        var problems: [(ConditionReason, String)] = []
        for (index, reference) in references.enumerated() {
            let field = references.count > 1 ? "tls.certificateRefs[\(index)]: " : ""
            switch resolve(reference, field: field, ownerKind: ownerKind, ownerNamespace: gatewayNamespace, invalidReason: .invalidCertificateRef, context: context, cache: cache) {
            case .success(let certificate): certificates.append(certificate)
            case .failure(let problem): problems.append((problem.reason, problem.message))
            }
        }
        guard problems.isEmpty else {
            // RefNotPermitted names the more specific cause when both kinds of problem occur.
            let reason = problems.contains { $0.0 == .refNotPermitted } ? ConditionReason.refNotPermitted : .invalidCertificateRef
            return .refused(reason, problems.map(\.1).joined(separator: "; "))
        }
        return .resolved(certificates)
    }

    /// Why one certificate reference cannot be used.
    struct ReferenceProblem: Error {
        /// `RefNotPermitted`, or the caller's reason for an unusable reference.
        var reason: ConditionReason
        /// Prefixed with the caller's field.
        var message: String
        /// What OpenSSL found wrong with the certificate or key, when it got that far.
        var certificateProblem: CertificateProblem?
    }

    /// One reference to a `kubernetes.io/tls` Secret, from an `ownerKind` object (Gateway or
    /// ListenerSet) in `ownerNamespace`: the reference rules (core Secret; a ReferenceGrant for
    /// that kind across namespaces), the Secret's existence and type, then its certificate and
    /// key through OpenSSL. A reference that is not permitted is `RefNotPermitted`; any other
    /// problem gets `invalidReason`.
    static func resolve(
        _ reference: SecretObjectReference,
        field: String,
        ownerKind: String,
        ownerNamespace gatewayNamespace: String,
        invalidReason: ConditionReason,
        context: TranslationContext,
        cache: Cache
    ) -> Result<ResolvedCertificate, ReferenceProblem> {
        let namespace = reference.namespace ?? gatewayNamespace
        let qualified = "\(namespace)/\(reference.name)"
        func problem(_ reason: ConditionReason, _ message: String, _ certificateProblem: CertificateProblem? = nil) -> Result<ResolvedCertificate, ReferenceProblem> {
            .failure(ReferenceProblem(reason: reason, message: field + message, certificateProblem: certificateProblem))
        }
        guard reference.group.isEmpty, reference.kind == "Secret" else {
            let kind = reference.group.isEmpty ? reference.kind : "\(reference.group)/\(reference.kind)"
            return problem(invalidReason, "\(kind) \(qualified) is not a Secret (group \"\", kind Secret): Meridian reads certificates from Secrets only")
        }
        // Checked before existence, so a reference that is not permitted says nothing about the Secret.
        if namespace != gatewayNamespace,
           !context.referenceGranted(fromKind: ownerKind, fromNamespace: gatewayNamespace, toGroup: "", toKind: "Secret", name: reference.name, in: namespace) {
            return problem(.refNotPermitted, "Secret \(qualified) is in another namespace, and no ReferenceGrant in \(namespace) lets \(ownerKind)s in \(gatewayNamespace) refer to it")
        }
        guard let secret = context.secrets[qualified] else {
            return problem(invalidReason, "Secret \(qualified) does not exist")
        }
        guard secret.type == Secret.tlsType else {
            return problem(invalidReason, "Secret \(qualified) is of type \(secret.type), not \(Secret.tlsType)")
        }
        let chain = secret.data[Secret.certificateKey] ?? []
        let key = secret.data[Secret.privateKeyKey] ?? []
        let result: Result<CertificateSummary, CertificateProblem>
        if let cached = cache.results[qualified] {
            result = cached
        } else {
            result = CertificateInspection.inspect(certificateChainPEM: chain, privateKeyPEM: key, at: context.certificateTime)
            cache.results[qualified] = result
        }
        switch result {
        case .success(let summary):
            return .success(ResolvedCertificate(secretName: qualified, certificateChain: chain, privateKey: key, summary: summary))
        case .failure(let inspected):
            return problem(invalidReason, "Secret \(qualified): \(inspected)", inspected)
        }
    }

    /// The `ResolvedRefs=True` message of a listener with these certificates, noting a host name none covers.
    static func summary(_ certificates: [ResolvedCertificate], hostname: String?) -> String {
        var message = "certificates: " + certificates.map(\.description).joined(separator: ", ")
        if let hostname, !certificates.contains(where: { $0.summary.covers(hostname) }) {
            message += "; none of them names the listener's host name \(hostname), so clients checking it will refuse the connection"
        }
        return message
    }
}
