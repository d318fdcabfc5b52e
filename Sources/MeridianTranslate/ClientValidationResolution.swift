import MeridianIR
import MeridianLoad
import TLSCertificates

/// Resolves the client certificate validation a Gateway's `spec.tls.frontend` asks of an HTTPS
/// listener: its CA references (a ConfigMap or Secret, key `ca.crt`; a ReferenceGrant for
/// another namespace) become one PEM bundle, inline in the listener's TLS context.
///
/// The API (`FrontendTLSValidation.caCertificateRefs`) decides the status: any unusable
/// reference is `ResolvedRefs=False` on the listener; when none is usable the listener is also
/// `Accepted=False NoValidCACertificate` and is not served (no chain accepts clients unchecked).
enum ClientValidationResolution {
    enum Outcome: Equatable {
        case resolved(ClientCertificateValidation)
        /// Some references are usable: they are used, and `ResolvedRefs` is False with the reason.
        case partly(ClientCertificateValidation, ConditionReason, String)
        /// No reference is usable.
        case refused(ConditionReason, String)
    }

    /// `field` names where `validation` is written (`spec.tls.frontend.default.validation`...).
    static func resolve(_ validation: FrontendTLSValidation, field: String, gatewayNamespace: String, context: TranslationContext) -> Outcome {
        var bundle: [UInt8] = []
        var problems: [(reason: ConditionReason, message: String)] = []
        for (index, reference) in validation.caCertificateRefs.enumerated() {
            switch load(reference, gatewayNamespace: gatewayNamespace, context: context) {
            case .success(let pem):
                CACertificateBundles.append(pem, to: &bundle)
            case .failure(let problem):
                problems.append((problem.reason, "\(field).caCertificateRefs[\(index)]: \(problem.message)"))
            }
        }
        let message = problems.map(\.message).joined(separator: "; ")
        // One condition has one reason: a reference not permitted says most about what to fix
        // (a grant, not the object), then a kind Meridian does not read, then a bad object.
        let order: [ConditionReason] = [.refNotPermitted, .invalidCACertificateKind, .invalidCACertificateRef]
        let reason = order.first { reason in problems.contains { $0.reason == reason } } ?? .invalidCACertificateRef
        if bundle.isEmpty { return .refused(reason, message) }
        let result = ClientCertificateValidation(trustedCA: bundle, required: validation.mode == .allowValidOnly)
        return problems.isEmpty ? .resolved(result) : .partly(result, reason, message)
    }

    /// The PEM of one reference's `ca.crt` (`CACertificateBundles`), after the kind and the
    /// ReferenceGrant a Gateway needs for another namespace.
    private static func load(_ reference: SecretObjectReference, gatewayNamespace: String, context: TranslationContext) -> Result<[UInt8], CACertificateBundles.Problem> {
        let namespace = reference.namespace ?? gatewayNamespace
        let qualified = "\(namespace)/\(reference.name)"
        guard CACertificateBundles.isReadableKind(group: reference.group, kind: reference.kind) else {
            let kind = reference.group.isEmpty ? reference.kind : "\(reference.group)/\(reference.kind)"
            return .failure(.init(reason: .invalidCACertificateKind, message: "\(kind) is not a kind Meridian reads CA certificates from; only ConfigMap and Secret (key \(ConfigMap.caCertificateKey))"))
        }
        if namespace != gatewayNamespace,
           !context.referenceGranted(fromKind: "Gateway", fromNamespace: gatewayNamespace, toGroup: "", toKind: reference.kind, name: reference.name, in: namespace) {
            return .failure(.init(reason: .refNotPermitted, message: "\(reference.kind) \(qualified) is in another namespace, and no ReferenceGrant in \(namespace) lets Gateways in \(gatewayNamespace) refer to it"))
        }
        return CACertificateBundles.load(kind: reference.kind, qualified: qualified, configMaps: context.configMaps, secrets: context.secrets)
    }
}
