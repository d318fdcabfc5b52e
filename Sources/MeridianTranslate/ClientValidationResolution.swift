import MeridianIR
import MeridianLoad
import TLSCertificates

/// Resolves a Gateway's `spec.tls.frontend` validation for an HTTPS listener: the CA
/// references (ConfigMap or Secret, key `ca.crt`; ReferenceGrant across namespaces) into one
/// inline PEM bundle.
enum ClientValidationResolution {
    enum Outcome {
        case resolved(ClientCertificateValidation)
        /// Some references are usable: they are used, and the listener's `ResolvedRefs` is False.
        case partly(ClientCertificateValidation, ConditionReason, String)
        /// No reference is usable: the listener is not accepted (`NoValidCACertificate`).
        case refused(ConditionReason, String)
    }

    static func resolve(_ validation: FrontendTLSValidation, gatewayNamespace: String, context: TranslationContext) -> Outcome {
        var bundle: [UInt8] = []
        var problems: [(reason: ConditionReason, message: String)] = []
        for (index, reference) in validation.caCertificateRefs.enumerated() {
            let field = "spec.tls.frontend caCertificateRefs[\(index)]"
            let namespace = reference.namespace ?? gatewayNamespace
            let qualified = "\(namespace)/\(reference.name)"
            guard reference.group.isEmpty, reference.kind == ConfigMap.kind || reference.kind == Secret.kind else {
                let kind = reference.group.isEmpty ? reference.kind : "\(reference.group)/\(reference.kind)"
                problems.append((.invalidCACertificateKind, "\(field): \(kind) is not a kind Meridian reads CA certificates from; only ConfigMap and Secret"))
                continue
            }
            if namespace != gatewayNamespace,
               !context.referenceGranted(fromKind: "Gateway", fromNamespace: gatewayNamespace, toGroup: "", toKind: reference.kind, name: reference.name, in: namespace) {
                problems.append((.refNotPermitted, "\(field): \(reference.kind) \(qualified) is in another namespace, and no ReferenceGrant in \(namespace) lets Gateways in \(gatewayNamespace) refer to it"))
                continue
            }
            let pem: [UInt8]?
            if reference.kind == ConfigMap.kind {
                guard let configMap = context.configMaps[qualified] else {
                    problems.append((.invalidCACertificateRef, "\(field): ConfigMap \(qualified) does not exist"))
                    continue
                }
                pem = configMap.data[ConfigMap.caCertificateKey]
            } else {
                guard let secret = context.secrets[qualified] else {
                    problems.append((.invalidCACertificateRef, "\(field): Secret \(qualified) does not exist"))
                    continue
                }
                pem = secret.data[ConfigMap.caCertificateKey]
            }
            guard let pem, !pem.isEmpty else {
                problems.append((.invalidCACertificateRef, "\(field): \(reference.kind) \(qualified) has no \(ConfigMap.caCertificateKey)"))
                continue
            }
            guard CertificateInspection.fingerprint(ofCertificatePEM: pem) != nil else {
                problems.append((.invalidCACertificateRef, "\(field): \(reference.kind) \(qualified): \(ConfigMap.caCertificateKey) holds no PEM certificate"))
                continue
            }
            bundle += pem
            if bundle.last != UInt8(ascii: "\n") { bundle.append(UInt8(ascii: "\n")) }
        }
        let message = problems.map(\.message).joined(separator: "; ")
        // RefNotPermitted, then the kind, name the more specific cause.
        let reason = problems.contains { $0.reason == .refNotPermitted } ? ConditionReason.refNotPermitted
            : problems.first?.reason ?? .invalidCACertificateRef
        if bundle.isEmpty { return .refused(reason, message) }
        let result = ClientCertificateValidation(trustedCA: bundle, required: validation.mode == .allowValidOnly)
        return problems.isEmpty ? .resolved(result) : .partly(result, reason, message)
    }
}
