import COpenSSL

/// A certificate and its unencrypted private key, as PEM text.
public struct GeneratedCertificate: Sendable, Hashable {
    public var certificatePEM: String
    public var privateKeyPEM: String
}

/// Makes certificates for tests and examples: self-signed, or signed by another generated one.
public enum CertificateGenerator {
    public enum KeyKind: Sendable, Hashable {
        case rsa(bits: Int)
        /// A NIST curve by OpenSSL name: `P-256`, `P-384`, `P-521`.
        case ecdsa(curve: String)
        case ed25519
    }

    /// A certificate for `dnsNames` (subjectAltName; a name with `://` is a URI name, as Go's test helpers put it) valid from `notBefore` to `notAfter`
    /// (seconds since 1970). Self-signed unless `issuer` is given; `isCA` makes it an issuer.
    public static func make(
        commonName: String,
        dnsNames: [String],
        key kind: KeyKind = .ecdsa(curve: "P-256"),
        notBefore: Int64,
        notAfter: Int64,
        serial: Int = 1,
        isCA: Bool = false,
        issuer: GeneratedCertificate? = nil
    ) throws(OpenSSLError) -> GeneratedCertificate {
        OpenSSLErrorQueue.clear()
        let key = try generateKey(kind)
        guard let raw = X509_new() else { throw OpenSSLError("X509_new") }
        let certificate = Certificate(owning: raw)
        let x509 = certificate.pointer
        guard X509_set_version(x509, 2) == 1,
              ASN1_INTEGER_set(X509_get_serialNumber(x509), serial) == 1,
              ASN1_TIME_set(X509_getm_notBefore(x509), time_t(notBefore)) != nil,
              ASN1_TIME_set(X509_getm_notAfter(x509), time_t(notAfter)) != nil,
              X509_set_pubkey(x509, key.pointer) == 1,
              X509_NAME_add_entry_by_txt(X509_get_subject_name(x509), "CN", MBSTRING_ASC, commonName, -1, -1, 0) == 1
        else { throw OpenSSLError("building the certificate") }

        var signer = key
        if let issuer {
            let (issuerCertificates, _) = try Certificate.readAll(pem: Array(issuer.certificatePEM.utf8))
            guard let issuerCertificate = issuerCertificates.first,
                  case .key(let issuerKey) = try PrivateKey.read(pem: Array(issuer.privateKeyPEM.utf8))
            else { throw OpenSSLError("reading the issuer") }
            guard X509_set_issuer_name(x509, X509_get_subject_name(issuerCertificate.pointer)) == 1 else { throw OpenSSLError("X509_set_issuer_name") }
            signer = issuerKey
        } else {
            guard X509_set_issuer_name(x509, X509_get_subject_name(x509)) == 1 else { throw OpenSSLError("X509_set_issuer_name") }
        }

        var extensions: [(Int32, String)] = [(NID_basic_constraints, isCA ? "critical,CA:TRUE" : "critical,CA:FALSE")]
        if !dnsNames.isEmpty { extensions.append((NID_subject_alt_name, dnsNames.map { $0.contains("://") ? "URI:\($0)" : "DNS:\($0)" }.joined(separator: ","))) }
        for (nid, value) in extensions {
            guard let made = X509V3_EXT_conf_nid(nil, nil, nid, value) else { throw OpenSSLError("X509V3_EXT_conf_nid") }
            let owned = CertificateExtension(owning: made)
            guard X509_add_ext(x509, owned.pointer, -1) == 1 else { throw OpenSSLError("X509_add_ext") }
        }
        // Ed25519 signs without a separate digest.
        let digest = EVP_PKEY_get_base_id(signer.pointer) == EVP_PKEY_ED25519 ? nil : EVP_sha256()
        guard X509_sign(x509, signer.pointer, digest) > 0 else { throw OpenSSLError("X509_sign") }
        return GeneratedCertificate(certificatePEM: try certificate.pem(), privateKeyPEM: try key.pem())
    }

    private static func generateKey(_ kind: KeyKind) throws(OpenSSLError) -> PrivateKey {
        let made: OpaquePointer?
        switch kind {
        case .rsa(let bits): made = meridian_generate_rsa_key(UInt32(bits))
        case .ecdsa(let curve): made = meridian_generate_ec_key(curve)
        case .ed25519: made = meridian_generate_ed25519_key()
        }
        guard let made else { throw OpenSSLError("generating a \(kind) key") }
        return PrivateKey(owning: made)
    }
}
