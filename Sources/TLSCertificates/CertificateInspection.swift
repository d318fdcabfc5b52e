import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// What a usable certificate chain and key hold.
public struct CertificateSummary: Sendable, Hashable {
    /// The leaf certificate's subject common name, if any.
    public var commonName: String?
    /// The leaf's subjectAltName DNS names (`*.example.com` included as written).
    public var dnsNames: [String]
    /// Validity, in seconds since 1970 (UTC).
    public var notBefore: Int64
    public var notAfter: Int64
    /// `RSA 2048`, `ECDSA P-256`, ...
    public var key: String
    /// How many certificates the chain holds, the leaf first.
    public var chainLength: Int
    /// SHA-256 of the leaf's DER encoding, lowercase hex.
    public var sha256Fingerprint: String

    /// Whether one of the certificate's DNS names covers `hostname` (exact, or a `*.` wildcard
    /// covering one label, as TLS clients check). A wildcard `hostname` is covered by the same wildcard.
    public func covers(_ hostname: String) -> Bool {
        let host = hostname.lowercased()
        return dnsNames.contains { name in
            let name = name.lowercased()
            if name == host { return true }
            guard name.hasPrefix("*."), !host.hasPrefix("*.") else { return false }
            guard let dot = host.firstIndex(of: ".") else { return false }
            return host[dot...] == name.dropFirst()
        }
    }
}

/// Why a certificate chain and key cannot be served. The descriptions name the Secret key
/// (`tls.crt`, `tls.key`) the problem is in.
public enum CertificateProblem: Error, Sendable, Hashable, CustomStringConvertible {
    case noCertificate
    case malformedCertificate(index: Int, reason: String)
    case noPrivateKey
    case encryptedPrivateKey
    case malformedPrivateKey(reason: String)
    case keyMismatch(certificateKey: String, privateKey: String)
    case unsupportedKey(String)
    case expired(notAfter: Int64)
    case notYetValid(notBefore: Int64)
    case unreadableValidity

    public var description: String {
        switch self {
        case .noCertificate:
            "tls.crt holds no PEM certificate"
        case .malformedCertificate(let index, let reason):
            "tls.crt: certificate \(index + 1) of the chain is not valid PEM (\(reason))"
        case .noPrivateKey:
            "tls.key holds no PEM private key"
        case .encryptedPrivateKey:
            "tls.key is encrypted; Envoy needs an unencrypted private key"
        case .malformedPrivateKey(let reason):
            "tls.key is not a valid PEM private key (\(reason))"
        case .keyMismatch(let certificateKey, let privateKey):
            "tls.key does not match the certificate in tls.crt (certificate key \(certificateKey), private key \(privateKey))"
        case .unsupportedKey(let key):
            "tls.crt: \(key) keys are not supported by Envoy (RSA of 2048 bits or more, ECDSA P-256, P-384 or P-521, Ed25519)"
        case .expired(let notAfter):
            "tls.crt: the certificate expired at \(CertificateInspection.formatTime(notAfter))"
        case .notYetValid(let notBefore):
            "tls.crt: the certificate is not valid before \(CertificateInspection.formatTime(notBefore))"
        case .unreadableValidity:
            "tls.crt: the certificate's validity dates cannot be read"
        }
    }
}

/// Why a PEM bundle of CA certificates cannot be Envoy's `trusted_ca`. The descriptions say
/// what is wrong with the text, not where it came from (the caller names the key).
public enum TrustBundleProblem: Error, Sendable, Hashable, CustomStringConvertible {
    case noCertificate
    case malformedCertificate(index: Int, reason: String)

    public var description: String {
        switch self {
        case .noCertificate: "holds no PEM certificate"
        case .malformedCertificate(let index, let reason): "certificate \(index + 1) of the bundle is not valid PEM (\(reason))"
        }
    }
}

/// Checks a PEM certificate chain and private key with OpenSSL, as Envoy would load them.
public enum CertificateInspection {
    /// Parses the chain (leaf first) and the key; checks that the key matches the leaf, that
    /// Envoy supports the key type, and that the leaf is valid at `time` (seconds since 1970).
    public static func inspect(certificateChainPEM: [UInt8], privateKeyPEM: [UInt8], at time: Int64) -> Result<CertificateSummary, CertificateProblem> {
        do {
            return try checkedInspect(certificateChainPEM, privateKeyPEM, at: time)
        } catch {
            return .failure(.malformedCertificate(index: 0, reason: error.description))
        }
    }

    private static func checkedInspect(_ chainPEM: [UInt8], _ keyPEM: [UInt8], at time: Int64) throws(OpenSSLError) -> Result<CertificateSummary, CertificateProblem> {
        let (certificates, problem) = try Certificate.readAll(pem: chainPEM)
        if let problem { return .failure(.malformedCertificate(index: certificates.count, reason: problem)) }
        guard let leaf = certificates.first else { return .failure(.noCertificate) }

        let keyText = String(decoding: keyPEM, as: UTF8.self)
        // OpenSSL 3's decoders say "unsupported" for text without any key block; say it plainly.
        guard keyText.contains("PRIVATE KEY-----") else { return .failure(.noPrivateKey) }
        let key: PrivateKey
        switch try PrivateKey.read(pem: keyPEM) {
        case .key(let read):
            key = read
        case .none:
            return .failure(.noPrivateKey)
        case .unreadable(let reason):
            if keyText.contains("ENCRYPTED") { return .failure(.encryptedPrivateKey) }
            return .failure(.malformedPrivateKey(reason: reason))
        }
        guard leaf.matches(key) else {
            return .failure(.keyMismatch(certificateKey: leaf.publicKeyDescription, privateKey: key.description))
        }
        let keyDescription = key.description
        if !isSupportedByEnvoy(keyDescription) { return .failure(.unsupportedKey(keyDescription)) }
        guard let validity = leaf.validity else { return .failure(.unreadableValidity) }
        if time < validity.notBefore { return .failure(.notYetValid(notBefore: validity.notBefore)) }
        if time > validity.notAfter { return .failure(.expired(notAfter: validity.notAfter)) }
        return .success(CertificateSummary(
            commonName: leaf.commonName,
            dnsNames: leaf.dnsNames,
            notBefore: validity.notBefore,
            notAfter: validity.notAfter,
            key: keyDescription,
            chainLength: certificates.count,
            sha256Fingerprint: leaf.sha256Fingerprint
        ))
    }

    /// What Envoy 1.40 (BoringSSL) loads: RSA of 2048 bits or more, ECDSA on the NIST curves,
    /// Ed25519 (it refuses RSA 1024, secp256k1 and Ed448 with "Failed to load certificate chain").
    static func isSupportedByEnvoy(_ key: String) -> Bool {
        if key.hasPrefix("RSA "), let bits = Int(key.dropFirst(4)) { return bits >= 2048 }
        return ["ECDSA P-256", "ECDSA P-384", "ECDSA P-521", "Ed25519"].contains(key)
    }

    /// Checks PEM text as Envoy loads a `trusted_ca` bundle: every PEM block is read, blocks
    /// of other types (a private key) are skipped, and the bundle is refused when a certificate
    /// block is broken or none is a certificate. Returns how many certificates it holds.
    public static func inspectTrustBundle(_ pem: [UInt8]) -> Result<Int, TrustBundleProblem> {
        do {
            let (certificates, problem) = try Certificate.readAll(pem: pem)
            if let problem { return .failure(.malformedCertificate(index: certificates.count, reason: problem)) }
            return certificates.isEmpty ? .failure(.noCertificate) : .success(certificates.count)
        } catch {
            return .failure(.malformedCertificate(index: 0, reason: error.description))
        }
    }

    /// The SHA-256 fingerprint of the first certificate in PEM text, or nil when there is none.
    public static func fingerprint(ofCertificatePEM pem: [UInt8]) -> String? {
        guard let read = try? Certificate.readAll(pem: pem), let first = read.certificates.first else { return nil }
        return first.sha256Fingerprint
    }

    /// The current wall-clock time, in seconds since 1970.
    public static func currentTime() -> Int64 {
        Int64(Glibc.time(nil))
    }

    /// `2026-01-31T12:00:00Z`.
    public static func formatTime(_ seconds: Int64) -> String {
        var value = time_t(seconds)
        var broken = tm()
        guard gmtime_r(&value, &broken) != nil else { return "\(seconds)" }
        func two(_ number: Int32) -> String { number < 10 ? "0\(number)" : "\(number)" }
        return "\(broken.tm_year + 1900)-\(two(broken.tm_mon + 1))-\(two(broken.tm_mday))T\(two(broken.tm_hour)):\(two(broken.tm_min)):\(two(broken.tm_sec))Z"
    }
}
