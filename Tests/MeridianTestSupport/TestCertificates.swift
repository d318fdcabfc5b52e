import Foundation
import TLSCertificates

/// Certificates made at test time, and the Secrets that carry them.
public enum TestCertificates {
    public static let day: Int64 = 86_400

    /// A certificate for `hostnames` (the first is its common name), valid from a day ago for 30 days unless told otherwise.
    public static func make(
        _ hostnames: [String],
        key: CertificateGenerator.KeyKind = .ecdsa(curve: "P-256"),
        notBefore: Int64? = nil,
        notAfter: Int64? = nil
    ) throws -> GeneratedCertificate {
        let now = CertificateInspection.currentTime()
        return try CertificateGenerator.make(
            commonName: hostnames.first ?? "meridian-test", dnsNames: hostnames, key: key,
            notBefore: notBefore ?? now - day, notAfter: notAfter ?? now + 30 * day
        )
    }

    /// A `kubernetes.io/tls` Secret (or another `type`) with the certificate and key base64-encoded in `data`.
    public static func secretYAML(name: String, namespace: String, _ certificate: GeneratedCertificate, type: String = "kubernetes.io/tls") -> String {
        secretYAML(name: name, namespace: namespace, certificatePEM: certificate.certificatePEM, privateKeyPEM: certificate.privateKeyPEM, type: type)
    }

    public static func secretYAML(name: String, namespace: String, certificatePEM: String, privateKeyPEM: String, type: String = "kubernetes.io/tls") -> String {
        """

        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: \(name), namespace: \(namespace)}
        type: \(type)
        data:
          tls.crt: \(Data(certificatePEM.utf8).base64EncodedString())
          tls.key: \(Data(privateKeyPEM.utf8).base64EncodedString())

        """
    }

    /// The SHA-256 fingerprint of a generated certificate, as `scripts/tls-probe.py` reports the one a server presents.
    public static func fingerprint(_ certificate: GeneratedCertificate) -> String {
        CertificateInspection.fingerprint(ofCertificatePEM: Array(certificate.certificatePEM.utf8)) ?? ""
    }
}
