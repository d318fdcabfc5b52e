import ContentDigest
import Testing

@Suite("SHA-256 through OpenSSL")
struct SHA256DigestTests {
    @Test("matches the FIPS 180-2 test vectors")
    func knownVectors() {
        #expect(SHA256Digest.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hex(of: [UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("incremental updates equal one update; delimited strings do not run together")
    func incremental() {
        var split = SHA256Digest()
        split.update(Array("ab".utf8))
        split.update(Array("c".utf8))
        let splitDigest = SHA256Digest.hexString(split.finalize())
        #expect(splitDigest == SHA256Digest.hex(of: Array("abc".utf8)))

        var first = SHA256Digest()
        first.update(delimited: "ab")
        first.update(delimited: "c")
        var second = SHA256Digest()
        second.update(delimited: "a")
        second.update(delimited: "bc")
        let firstDigest = first.finalize()
        let secondDigest = second.finalize()
        #expect(firstDigest != secondDigest)
    }
}
