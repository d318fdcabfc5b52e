import MeridianLoad
import Testing

@Suite("Loading Secrets")
struct SecretLoadingTests {
    static let certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

    @Test("a kubernetes.io/tls Secret: data is base64-decoded, stringData is taken as written and wins")
    func tlsSecret() throws {
        let loaded = load("""
        apiVersion: v1
        kind: Secret
        metadata: {name: a-cert, namespace: web}
        type: kubernetes.io/tls
        stringData:
          tls.key: |
            -----BEGIN PRIVATE KEY-----
            MIIE
            -----END PRIVATE KEY-----
        data:
          tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
          tls.key: |
            b2xk
          ca.crt: ""
        """)
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        let secret = try #require(loaded.secrets.first)
        #expect(secret.qualifiedName == "web/a-cert")
        #expect(secret.type == Secret.tlsType)
        #expect(secret.data["tls.crt"] == Array(Self.certificate.utf8))
        #expect(secret.data["tls.key"] == Array("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n".utf8), "stringData is merged over data")
        #expect(secret.data["ca.crt"] == [])
        #expect(secret.description == "Secret web/a-cert (type kubernetes.io/tls, keys: ca.crt, tls.crt, tls.key)", "values never appear")
    }

    @Test("any other type loads too, Opaque when not written; the namespace defaults")
    func otherTypes() throws {
        let loaded = load("""
        apiVersion: v1
        kind: Secret
        metadata: {name: opaque}
        stringData: {password: hunter2}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: token}
        type: kubernetes.io/service-account-token
        """)
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        #expect(loaded.secrets.map(\.qualifiedName) == ["default/opaque", "default/token"])
        #expect(loaded.secrets.map(\.type) == ["Opaque", "kubernetes.io/service-account-token"])
        #expect(loaded.secrets[0].data == ["password": Array("hunter2".utf8)])
    }

    @Test("bad base64, bad keys, and the keys a TLS Secret needs are reported with their position")
    func errors() {
        #expect(errorLines("""
        apiVersion: v1
        kind: Secret
        metadata: {name: bad}
        type: kubernetes.io/tls
        data:
          tls.crt: "not base64!"
          tls.key: YWJj
          bad/key: YWJj
          short: YWJjZA
        """) == [
            "test.yaml:6:12: data[tls.crt]: invalid base64: illegal base64 data at input byte 3",
            "test.yaml:8:3: data[bad/key]: invalid key \"bad/key\": must consist of letters, digits, '-', '_' or '.'",
            "test.yaml:9:10: data[short]: invalid base64: illegal base64 data at input byte 6",
        ])
        #expect(errorLines("""
        apiVersion: v1
        kind: Secret
        metadata: {name: no-key}
        type: kubernetes.io/tls
        stringData: {tls.crt: x}
        data: {tls.key: 42}
        """) == ["test.yaml:6:17: data[tls.key]: expected a string, got the number 42; quote it to make it a string"])
        #expect(errorLines("""
        apiVersion: v1
        kind: Secret
        metadata: {name: no-key}
        type: kubernetes.io/tls
        stringData: {tls.crt: x}
        """) == ["test.yaml:1:1: data[tls.key]: required for a Secret of type kubernetes.io/tls"])
    }

    @Test("base64 as Kubernetes reads it: padding required, line breaks skipped, nothing after the padding")
    func base64() {
        func decoded(_ text: String) -> String? {
            let loaded = load("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: \"\(text)\"}\n")
            return loaded.secrets.first?.data["k"].map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(decoded("") == "")
        #expect(decoded("YQ==") == "a")
        #expect(decoded("YWI=") == "ab")
        #expect(decoded("YWJj") == "abc")
        #expect(decoded("YWJj\\nZGVm\\r\\n") == "abcdef")
        #expect(decoded("YQ") == nil)
        #expect(decoded("YQ=") == nil)
        #expect(decoded("YQ==YQ==") == nil)
        #expect(decoded("Y===") == nil)
        #expect(decoded("YW J j") == nil)
        #expect(decoded("YWJj-_==") == nil, "the URL alphabet is not base64")
    }
}
