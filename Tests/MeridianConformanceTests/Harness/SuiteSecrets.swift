import MeridianTestSupport
import TLSCertificates
import Foundation

/// The certificate Secrets and CA ConfigMaps upstream's suite creates before any test runs
/// (`conformance/utils/suite`, `Setup`), made here at test time as upstream makes them: for the
/// same DNS names, self-signed or signed by the same suite CA. (The frontend client-certificate
/// ones, `tls-validity-checks-*`, are not made here.)
enum SuiteSecrets {
    /// The `tls-validity-checks-certificate` Secret's certificate: the HTTPS tests' server certificate
    /// and the CA their client trusts (upstream reads it back with `GetTLSSecret`).
    static let validityChecks: GeneratedCertificate = {
        do {
            return try TestCertificates.make(["*", "*.org", "*.wildcard.org"], key: .rsa(bits: 2048))
        } catch {
            fatalError("cannot make the suite's certificates: \(error)")
        }
    }()

    /// The `tls-checks-ca-certificate` ConfigMap's CA (`MustCreateCACertConfigMap`): it signs the
    /// TLS backends' serving certificates.
    static let checksCA: GeneratedCertificate = make { now in
        try CertificateGenerator.make(commonName: "conformance-ca", dnsNames: [], key: .rsa(bits: 2048),
                                      notBefore: now - TestCertificates.day, notAfter: now + 30 * TestCertificates.day, isCA: true)
    }

    /// `tls-checks-certificate` (infra), the `tls-backend` pods' serving certificate, signed by `checksCA`
    /// for upstream's names (`MustCreateCASignedCertSecret`: a name with a scheme is a URI SAN).
    static let checks: GeneratedCertificate = make { now in
        try CertificateGenerator.make(commonName: "abc.example.com", dnsNames: ["abc.example.com", "spiffe://abc.example.com/test-identity", "other.example.com"],
                                      key: .rsa(bits: 2048), notBefore: now - TestCertificates.day, notAfter: now + 30 * TestCertificates.day,
                                      serial: 2, issuer: checksCA)
    }

    /// `tls-passthrough-checks-certificate` (infra and app-backend): `abc.example.com`, signed by `checksCA`.
    static let passthroughChecks: GeneratedCertificate = make { now in
        try CertificateGenerator.make(commonName: "abc.example.com", dnsNames: ["abc.example.com"], key: .rsa(bits: 2048),
                                      notBefore: now - TestCertificates.day, notAfter: now + 30 * TestCertificates.day,
                                      serial: 3, issuer: checksCA)
    }

    /// `tls-checks-client-certificate` (infra): a client certificate signed by `checksCA`
    /// (`MustCreateCASignedClientCertSecret`: no names; a Gateway presents it to TLS backends).
    static let checksClient: GeneratedCertificate = make { now in
        try CertificateGenerator.make(commonName: "default", dnsNames: [], key: .rsa(bits: 2048),
                                      notBefore: now - TestCertificates.day, notAfter: now + 30 * TestCertificates.day,
                                      serial: 4, issuer: checksCA)
    }

    /// `mismatch-ca-certificate`: a CA that signed nothing.
    static let mismatchCA: GeneratedCertificate = make { now in
        try CertificateGenerator.make(commonName: "conformance-mismatch-ca", dnsNames: [], key: .rsa(bits: 2048),
                                      notBefore: now - TestCertificates.day, notAfter: now + 30 * TestCertificates.day, isCA: true)
    }

    /// The serving certificate of a TLS echo Deployment: the Secret its `secret-volume` mounts.
    static func servingCertificate(namespace: String, deployment: String) -> GeneratedCertificate? {
        guard deployment.hasPrefix("tls-backend") else { return nil }
        return namespace == infra ? checks : passthroughChecks
    }

    private static func make(_ body: (Int64) throws -> GeneratedCertificate) -> GeneratedCertificate {
        do {
            return try body(CertificateInspection.currentTime())
        } catch {
            fatalError("cannot make the suite's certificates: \(error)")
        }
    }

    /// The CA of a suite ConfigMap (`MustCreateCACertConfigMap`), by name.
    static func caCertificate(configMap: String, namespace: String) -> GeneratedCertificate? {
        guard namespace == infra else { return nil }
        switch configMap {
        case "tls-checks-ca-certificate": return checksCA
        case "mismatch-ca-certificate": return mismatchCA
        default: return nil
        }
    }

    /// A ConfigMap with `ca.crt`, as `MustCreateCACertConfigMap` makes.
    static func caConfigMapYAML(name: String, namespace: String, _ certificate: GeneratedCertificate) -> String {
        let indented = certificate.certificatePEM.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n")
        return "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: \(name), namespace: \(namespace)}\ndata:\n  ca.crt: |\n\(indented)\n"
    }

    static let yaml: String = {
        do {
            let certificate = try TestCertificates.make(["*"], key: .rsa(bits: 2048))
            return "# Generated by the conformance harness: the Secrets upstream's suite creates at setup.\n"
                + TestCertificates.secretYAML(name: "certificate", namespace: webBackend, certificate)
                + TestCertificates.secretYAML(name: "tls-validity-checks-certificate", namespace: infra, validityChecks)
                + caConfigMapYAML(name: "tls-checks-ca-certificate", namespace: infra, checksCA)
                + caConfigMapYAML(name: "mismatch-ca-certificate", namespace: infra, mismatchCA)
                + TestCertificates.secretYAML(name: "tls-checks-certificate", namespace: infra, checks)
                + TestCertificates.secretYAML(name: "tls-checks-client-certificate", namespace: infra, checksClient)
                + TestCertificates.secretYAML(name: "tls-passthrough-checks-certificate", namespace: infra, passthroughChecks)
                + TestCertificates.secretYAML(name: "tls-passthrough-checks-certificate", namespace: appBackend, passthroughChecks)
        } catch {
            fatalError("cannot make the suite's certificates: \(error)")
        }
    }()
}
