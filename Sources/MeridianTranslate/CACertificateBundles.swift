import MeridianLoad
import TLSCertificates

/// A CA certificate bundle named by reference: key `ca.crt` of a core ConfigMap or Secret, as
/// BackendTLSPolicy's and a Gateway's `spec.tls.frontend` `caCertificateRefs` name them. One
/// loader for both, so both refuse what Envoy would refuse in a `trusted_ca`: a bundle with no
/// certificate, or with one broken PEM block among good ones.
enum CACertificateBundles {
    /// Why a reference cannot be used; the message names the object, not the field.
    struct Problem: Error {
        var reason: ConditionReason
        var message: String
    }

    /// Whether the reference names a kind CA certificates are read from (group core, ConfigMap or Secret).
    static func isReadableKind(group: String, kind: String) -> Bool {
        group.isEmpty && (kind == ConfigMap.kind || kind == Secret.kind)
    }

    /// The PEM of `ca.crt` in ConfigMap or Secret `qualified` (`namespace/name`); the kind must
    /// be one `isReadableKind` accepts.
    static func load(kind: String, qualified: String, configMaps: [String: ConfigMap], secrets: [String: Secret]) -> Result<[UInt8], Problem> {
        let data = kind == ConfigMap.kind ? configMaps[qualified]?.data : secrets[qualified]?.data
        guard let data else {
            return .failure(Problem(reason: .invalidCACertificateRef, message: "\(kind) \(qualified) does not exist"))
        }
        guard let pem = data[ConfigMap.caCertificateKey], !pem.isEmpty else {
            return .failure(Problem(reason: .invalidCACertificateRef, message: "\(kind) \(qualified) has no \(ConfigMap.caCertificateKey)"))
        }
        if case .failure(let problem) = CertificateInspection.inspectTrustBundle(pem) {
            return .failure(Problem(reason: .invalidCACertificateRef, message: "\(kind) \(qualified): \(ConfigMap.caCertificateKey) \(problem)"))
        }
        return .success(pem)
    }

    /// Appends a PEM bundle, keeping blocks on their own lines.
    static func append(_ pem: [UInt8], to bundle: inout [UInt8]) {
        bundle += pem
        if bundle.last != UInt8(ascii: "\n") { bundle.append(UInt8(ascii: "\n")) }
    }
}
