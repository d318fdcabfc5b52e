import Foundation
import TLSCertificates
import Testing

@Suite("Certificates checked with OpenSSL")
struct CertificateInspectionTests {
    static let now = CertificateInspection.currentTime()
    static let day: Int64 = 86_400

    static func make(_ name: String, key: CertificateGenerator.KeyKind = .ecdsa(curve: "P-256"), from: Int64 = now - day, to: Int64 = now + 30 * day) throws -> GeneratedCertificate {
        try CertificateGenerator.make(commonName: name, dnsNames: [name], key: key, notBefore: from, notAfter: to)
    }

    static func inspect(_ chain: String, _ key: String, at time: Int64 = now) -> Result<CertificateSummary, CertificateProblem> {
        CertificateInspection.inspect(certificateChainPEM: Array(chain.utf8), privateKeyPEM: Array(key.utf8), at: time)
    }

    @Test("an ECDSA and an RSA certificate: names, key, validity and fingerprint")
    func goodCertificates() throws {
        let ecdsa = try CertificateGenerator.make(
            commonName: "a.example.com", dnsNames: ["a.example.com", "*.a.example.com"],
            notBefore: Self.now - Self.day, notAfter: Self.now + Self.day
        )
        let summary = try Self.inspect(ecdsa.certificatePEM, ecdsa.privateKeyPEM).get()
        #expect(summary.commonName == "a.example.com")
        #expect(summary.dnsNames == ["a.example.com", "*.a.example.com"])
        #expect(summary.key == "ECDSA P-256")
        #expect(summary.chainLength == 1)
        #expect(summary.notBefore == Self.now - Self.day && summary.notAfter == Self.now + Self.day)
        #expect(summary.sha256Fingerprint.count == 64)
        #expect(CertificateInspection.fingerprint(ofCertificatePEM: Array(ecdsa.certificatePEM.utf8)) == summary.sha256Fingerprint)
        #expect(summary.covers("a.example.com") && summary.covers("x.a.example.com") && summary.covers("*.a.example.com"))
        #expect(!summary.covers("b.example.com") && !summary.covers("x.y.a.example.com"))

        let rsa = try Self.make("b.example.com", key: .rsa(bits: 2048))
        #expect(try Self.inspect(rsa.certificatePEM, rsa.privateKeyPEM).get().key == "RSA 2048")
    }

    @Test("a leaf followed by its issuer is a chain of two")
    func chain() throws {
        let authority = try CertificateGenerator.make(
            commonName: "Test CA", dnsNames: [], notBefore: Self.now - Self.day, notAfter: Self.now + Self.day, isCA: true
        )
        let leaf = try CertificateGenerator.make(
            commonName: "a.example.com", dnsNames: ["a.example.com"], notBefore: Self.now - Self.day, notAfter: Self.now + Self.day,
            serial: 2, issuer: authority
        )
        let summary = try Self.inspect(leaf.certificatePEM + authority.certificatePEM, leaf.privateKeyPEM).get()
        #expect(summary.chainLength == 2)
        #expect(summary.dnsNames == ["a.example.com"])
    }

    @Test("each problem is named precisely")
    func problems() throws {
        let a = try Self.make("a.example.com")
        let b = try Self.make("b.example.com", key: .rsa(bits: 2048))
        // The Gateway API conformance suite's malformed Secret: "Hello world" in both keys.
        #expect(Self.inspect("Hello world\n", "Hello world\n") == .failure(.noCertificate))
        #expect(Self.inspect(a.certificatePEM, "Hello world\n") == .failure(.noPrivateKey))
        let broken = a.certificatePEM.replacingOccurrences(of: "\n", with: "\n!", range: a.certificatePEM.range(of: "\n"))
        guard case .failure(.malformedCertificate(index: 0, _)) = Self.inspect(broken, a.privateKeyPEM) else {
            Issue.record("a corrupted PEM body is not reported as malformed: \(Self.inspect(broken, a.privateKeyPEM))")
            return
        }
        let truncatedKey = String(a.privateKeyPEM.dropLast(40))
        guard case .failure(.malformedPrivateKey) = Self.inspect(a.certificatePEM, truncatedKey) else {
            Issue.record("a truncated key is not reported as malformed")
            return
        }
        #expect(Self.inspect(a.certificatePEM, b.privateKeyPEM) == .failure(.keyMismatch(certificateKey: "ECDSA P-256", privateKey: "RSA 2048")))
        #expect(Self.inspect(a.certificatePEM, a.privateKeyPEM, at: Self.now + 31 * Self.day) == .failure(.expired(notAfter: Self.now + 30 * Self.day)))
        #expect(Self.inspect(a.certificatePEM, a.privateKeyPEM, at: Self.now - 2 * Self.day) == .failure(.notYetValid(notBefore: Self.now - Self.day)))

        let small = try Self.make("c.example.com", key: .rsa(bits: 1024))
        #expect(Self.inspect(small.certificatePEM, small.privateKeyPEM) == .failure(.unsupportedKey("RSA 1024")))
        let koblitz = try Self.make("d.example.com", key: .ecdsa(curve: "secp256k1"))
        #expect(Self.inspect(koblitz.certificatePEM, koblitz.privateKeyPEM) == .failure(.unsupportedKey("ECDSA secp256k1")))
        let edwards = try Self.make("e.example.com", key: .ed25519)
        #expect(try Self.inspect(edwards.certificatePEM, edwards.privateKeyPEM).get().key == "Ed25519")

        #expect(CertificateProblem.expired(notAfter: 1_577_923_200).description == "tls.crt: the certificate expired at 2020-01-02T00:00:00Z")
        #expect(CertificateProblem.keyMismatch(certificateKey: "ECDSA P-256", privateKey: "RSA 2048").description
            == "tls.key does not match the certificate in tls.crt (certificate key ECDSA P-256, private key RSA 2048)")
    }

    @Test("a trust bundle: its certificates counted, other PEM blocks skipped, none or a broken block refused")
    func trustBundles() throws {
        let a = try Self.make("a.example.com")
        let b = try Self.make("b.example.com", key: .rsa(bits: 2048))
        #expect(CertificateInspection.inspectTrustBundle(Array((a.certificatePEM + b.certificatePEM).utf8)) == .success(2))
        #expect(CertificateInspection.inspectTrustBundle(Array((a.privateKeyPEM + a.certificatePEM).utf8)) == .success(1))
        #expect(CertificateInspection.inspectTrustBundle(Array("not a certificate\n".utf8)) == .failure(.noCertificate))
        #expect(CertificateInspection.inspectTrustBundle(Array(a.privateKeyPEM.utf8)) == .failure(.noCertificate))
        let broken = a.certificatePEM + "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n"
        guard case .failure(let problem) = CertificateInspection.inspectTrustBundle(Array(broken.utf8)),
              case .malformedCertificate(index: 1, _) = problem else {
            Issue.record("a broken second block is not reported as certificate 2: \(CertificateInspection.inspectTrustBundle(Array(broken.utf8)))")
            return
        }
        #expect(problem.description.hasPrefix("certificate 2 of the bundle is not valid PEM ("), "\(problem)")
        #expect(TrustBundleProblem.noCertificate.description == "holds no PEM certificate")
    }

    @Test("certificates made by the openssl command read the same; an encrypted key is refused without a prompt")
    func opensslCommand() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("meridian-certs-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = directory.appendingPathComponent("tls.crt").path
        let key = directory.appendingPathComponent("tls.key").path
        try Self.openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "2",
            "-subj", "/CN=a.example.com", "-addext", "subjectAltName=DNS:a.example.com,DNS:www.a.example.com",
        ])
        let chain = try String(contentsOfFile: certificate, encoding: .utf8)
        let privateKey = try String(contentsOfFile: key, encoding: .utf8)
        let summary = try Self.inspect(chain, privateKey, at: CertificateInspection.currentTime()).get()
        #expect(summary.dnsNames == ["a.example.com", "www.a.example.com"])
        #expect(summary.key == "RSA 2048")
        let fingerprint = try Self.openssl(["x509", "-in", certificate, "-noout", "-fingerprint", "-sha256"])
        #expect(fingerprint.lowercased().replacingOccurrences(of: ":", with: "").contains(summary.sha256Fingerprint))

        let encrypted = try Self.openssl(["pkey", "-in", key, "-aes256", "-passout", "pass:secret"])
        #expect(encrypted.contains("ENCRYPTED"))
        #expect(Self.inspect(chain, encrypted, at: CertificateInspection.currentTime()) == .failure(.encryptedPrivateKey))
    }

    @discardableResult
    static func openssl(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "openssl \(arguments.joined(separator: " "))")
        return String(decoding: data, as: UTF8.self)
    }
}
