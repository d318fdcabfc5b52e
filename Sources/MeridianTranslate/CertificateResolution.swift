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

/// Resolves an HTTPS listener's `tls.certificateRefs`: reference rules (kind, ReferenceGrant),
/// the Secret's existence and type, then its certificate and key through OpenSSL.
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
            let namespace = reference.namespace ?? gatewayNamespace
            let qualified = "\(namespace)/\(reference.name)"
            let field = references.count > 1 ? "tls.certificateRefs[\(index)]: " : ""
            guard reference.group.isEmpty, reference.kind == "Secret" else {
                let kind = reference.group.isEmpty ? reference.kind : "\(reference.group)/\(reference.kind)"
                problems.append((.invalidCertificateRef, "\(field)\(kind) \(qualified) is not a Secret (group \"\", kind Secret): Meridian reads certificates from Secrets only"))
                continue
            }
            // Checked before existence, so a reference that is not permitted says nothing about the Secret.
            if namespace != gatewayNamespace,
               !context.referenceGranted(fromKind: ownerKind, fromNamespace: gatewayNamespace, toGroup: "", toKind: "Secret", name: reference.name, in: namespace) {
                problems.append((.refNotPermitted, "\(field)Secret \(qualified) is in another namespace, and no ReferenceGrant in \(namespace) lets \(ownerKind)s in \(gatewayNamespace) refer to it"))
                continue
            }
            guard let secret = context.secrets[qualified] else {
                problems.append((.invalidCertificateRef, "\(field)Secret \(qualified) does not exist"))
                continue
            }
            guard secret.type == Secret.tlsType else {
                problems.append((.invalidCertificateRef, "\(field)Secret \(qualified) is of type \(secret.type), not \(Secret.tlsType)"))
                continue
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
                certificates.append(ResolvedCertificate(secretName: qualified, certificateChain: chain, privateKey: key, summary: summary))
            case .failure(let problem):
                problems.append((.invalidCertificateRef, "\(field)Secret \(qualified): \(problem)"))
            }
        }
        guard problems.isEmpty else {
            // RefNotPermitted names the more specific cause when both kinds of problem occur.
            let reason = problems.contains { $0.0 == .refNotPermitted } ? ConditionReason.refNotPermitted : .invalidCertificateRef
            return .refused(reason, problems.map(\.1).joined(separator: "; "))
        }
        return .resolved(certificates)
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
