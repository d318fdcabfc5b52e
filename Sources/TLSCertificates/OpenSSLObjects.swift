import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

// One Swift owner per OpenSSL object: each class below holds exactly one pointer
// it was given ownership of, and frees it in deinit. Nothing else frees them.

/// An OpenSSL failure, with the reason OpenSSL queued.
public struct OpenSSLError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    init(_ what: String) {
        description = "\(what): \(OpenSSLErrorQueue.drain() ?? "no reason given")"
    }
}

/// OpenSSL's thread-local error queue.
enum OpenSSLErrorQueue {
    static func clear() { ERR_clear_error() }

    /// The most recent error's code, left on the queue.
    static var lastCode: UInt { ERR_peek_last_error() }

    /// The most recent error's reason text (e.g. `no start line`), emptying the queue.
    static func drain() -> String? {
        let code = ERR_peek_last_error()
        defer { ERR_clear_error() }
        guard code != 0, let reason = ERR_reason_error_string(code) else { return nil }
        return String(cString: reason)
    }
}

/// A read-only memory BIO over a copy of some bytes, or an empty writable one.
final class MemoryBIO {
    let pointer: OpaquePointer
    /// The bytes a read-only BIO reads; BIO_new_mem_buf does not copy them.
    private let storage: UnsafeMutableRawBufferPointer?

    init(reading bytes: [UInt8]) throws(OpenSSLError) {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        storage.copyBytes(from: bytes)
        guard let bio = BIO_new_mem_buf(storage.baseAddress, Int32(bytes.count)) else {
            storage.deallocate()
            throw OpenSSLError("BIO_new_mem_buf")
        }
        self.storage = storage
        pointer = bio
    }

    init() throws(OpenSSLError) {
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLError("BIO_new") }
        storage = nil
        pointer = bio
    }

    deinit {
        BIO_free(pointer)
        storage?.deallocate()
    }

    /// What was written to a writable BIO, as text.
    var text: String {
        var contents: UnsafeMutablePointer<CChar>?
        let length = meridian_memory_contents(pointer, &contents)
        guard let contents, length > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: contents, count: length), as: UTF8.self)
    }
}

/// An X.509 certificate.
final class Certificate {
    let pointer: OpaquePointer

    /// Takes ownership of `pointer`.
    init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { X509_free(pointer) }

    /// Every certificate in PEM text, in order; `nil` with the reason when a block is broken.
    /// Blocks of other kinds (a key) are skipped, as OpenSSL skips them.
    static func readAll(pem: [UInt8]) throws(OpenSSLError) -> (certificates: [Certificate], problem: String?) {
        let bio = try MemoryBIO(reading: pem)
        var certificates: [Certificate] = []
        OpenSSLErrorQueue.clear()
        while true {
            guard let next = meridian_read_certificate(bio.pointer) else {
                if meridian_error_is_no_start_line(OpenSSLErrorQueue.lastCode) != 0 {
                    OpenSSLErrorQueue.clear()
                    return (certificates, nil)
                }
                return (certificates, OpenSSLErrorQueue.drain() ?? "unreadable")
            }
            certificates.append(Certificate(owning: next))
        }
    }

    /// `notBefore` and `notAfter` in seconds since 1970 (UTC).
    var validity: (notBefore: Int64, notAfter: Int64)? {
        guard let notBefore = Self.unixTime(X509_get0_notBefore(pointer)),
              let notAfter = Self.unixTime(X509_get0_notAfter(pointer)) else { return nil }
        return (notBefore, notAfter)
    }

    private static func unixTime(_ time: UnsafePointer<ASN1_TIME>?) -> Int64? {
        guard let time else { return nil }
        var broken = tm()
        guard ASN1_TIME_to_tm(time, &broken) == 1 else { return nil }
        return Int64(timegm(&broken))
    }

    /// The DNS names of the subjectAltName extension, in order.
    var dnsNames: [String] {
        guard let names = meridian_subject_alt_names(pointer) else { return [] }
        let owner = GeneralNames(owning: names)
        var result: [String] = []
        for index in 0..<meridian_general_names_count(owner.pointer) {
            var length: Int32 = 0
            guard let bytes = meridian_general_name_dns(owner.pointer, index, &length) else { continue }
            result.append(String(decoding: UnsafeBufferPointer(start: bytes, count: Int(length)), as: UTF8.self))
        }
        return result
    }

    /// The subject's common name, if it has one.
    var commonName: String? {
        guard let name = X509_get_subject_name(pointer) else { return nil }
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry),
              let bytes = ASN1_STRING_get0_data(data) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(ASN1_STRING_length(data))), as: UTF8.self)
    }

    /// The SHA-256 of the DER encoding, as lowercase hex (what `openssl x509 -fingerprint -sha256` shows).
    var sha256Fingerprint: String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(pointer, EVP_sha256(), &digest, &length) == 1 else { return "" }
        return digest.prefix(Int(length)).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined()
    }

    func matches(_ key: PrivateKey) -> Bool {
        defer { OpenSSLErrorQueue.clear() }
        return X509_check_private_key(pointer, key.pointer) == 1
    }

    /// A description of the certified public key (`RSA 2048`, `ECDSA P-256`).
    var publicKeyDescription: String {
        guard let key = X509_get0_pubkey(pointer) else { return "unknown key" }
        return PrivateKey.describe(key)
    }

    /// The certificate as PEM text.
    func pem() throws(OpenSSLError) -> String {
        let bio = try MemoryBIO()
        guard PEM_write_bio_X509(bio.pointer, pointer) == 1 else { throw OpenSSLError("PEM_write_bio_X509") }
        return bio.text
    }
}

/// A subjectAltName extension's names.
final class GeneralNames {
    let pointer: OpaquePointer

    init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { meridian_free_general_names(pointer) }
}

/// A private (or public) key.
final class PrivateKey {
    let pointer: OpaquePointer

    init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { EVP_PKEY_free(pointer) }

    enum Read {
        case key(PrivateKey)
        /// No PEM private key block at all.
        case none
        /// A block OpenSSL could not read, and why.
        case unreadable(String)
    }

    /// The first private key in PEM text; never prompts for a pass phrase.
    static func read(pem: [UInt8]) throws(OpenSSLError) -> Read {
        let bio = try MemoryBIO(reading: pem)
        OpenSSLErrorQueue.clear()
        guard let key = meridian_read_private_key(bio.pointer) else {
            if meridian_error_is_no_start_line(OpenSSLErrorQueue.lastCode) != 0 {
                OpenSSLErrorQueue.clear()
                return .none
            }
            return .unreadable(OpenSSLErrorQueue.drain() ?? "unreadable")
        }
        return .key(PrivateKey(owning: key))
    }

    var description: String { Self.describe(pointer) }

    /// `RSA 2048`, `ECDSA P-256`, `Ed25519`, ... for any key OpenSSL holds.
    static func describe(_ key: OpaquePointer) -> String {
        let bits = EVP_PKEY_get_bits(key)
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_RSA: return "RSA \(bits)"
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 80)
            var length = 0
            guard EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1 else { return "ECDSA \(bits)" }
            let group = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let nist = ["prime256v1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"]
            return "ECDSA \(nist[group] ?? group)"
        case EVP_PKEY_ED25519: return "Ed25519"
        case EVP_PKEY_ED448: return "Ed448"
        case EVP_PKEY_DSA: return "DSA \(bits)"
        default: return "key type \(EVP_PKEY_get_base_id(key))"
        }
    }

    /// The key as unencrypted PKCS #8 PEM text.
    func pem() throws(OpenSSLError) -> String {
        let bio = try MemoryBIO()
        guard PEM_write_bio_PrivateKey(bio.pointer, pointer, nil, nil, 0, nil, nil) == 1 else { throw OpenSSLError("PEM_write_bio_PrivateKey") }
        return bio.text
    }
}

/// An X.509 v3 extension being added to a certificate.
final class CertificateExtension {
    let pointer: OpaquePointer

    init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { X509_EXTENSION_free(pointer) }
}
