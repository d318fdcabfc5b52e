import Foundation
import MeridianKubernetes
import Testing

/// The API server's address and credentials, from a kubeconfig as kubectl reads one, or from
/// a pod's service account: row by row, what each configuration gives or why it is refused.
@Suite("Kubernetes connections: kubeconfig and in-cluster")
struct KubernetesConnectionTests {
    static let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    static var pemBase64: String { Data(pem.utf8).base64EncodedString() }

    static func kubeconfig(cluster: String = "server: https://10.0.0.1:6443", user: String = "token: abc", context: String = "", current: String = "current-context: main") -> String {
        """
        apiVersion: v1
        kind: Config
        \(current)
        clusters:
          - name: prod
            cluster: {\(cluster)}
        users:
          - name: meridian
            user: {\(user)}
        contexts:
          - name: main
            context: {cluster: prod, user: meridian\(context)}
          - name: other
            context: {cluster: prod, user: meridian, namespace: gateways}

        """
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var rule: String
        var yaml: String
        var context: String? = nil
        var expected: Result<KubernetesConnection, KubernetesConfigurationError>
        var testDescription: String { rule }
    }

    static let rows: [Row] = [
        Row(rule: "current-context: server and token", yaml: kubeconfig(),
            expected: .success(KubernetesConnection(server: "https://10.0.0.1:6443", token: "abc"))),
        Row(rule: "a context named instead of current-context, with its namespace", yaml: kubeconfig(), context: "other",
            expected: .success(KubernetesConnection(server: "https://10.0.0.1:6443", token: "abc", namespace: "gateways"))),
        Row(rule: "certificate authority and client certificate as base64 data",
            yaml: kubeconfig(cluster: "server: https://k8s.example:443/, certificate-authority-data: \(pemBase64)",
                             user: "client-certificate-data: \(pemBase64), client-key-data: \(pemBase64)"),
            expected: .success(KubernetesConnection(server: "https://k8s.example:443", certificateAuthorityPEM: Array(pem.utf8),
                                                    clientCertificatePEM: Array(pem.utf8), clientKeyPEM: Array(pem.utf8)))),
        Row(rule: "insecure-skip-tls-verify is read", yaml: kubeconfig(cluster: "server: https://10.0.0.1:6443, insecure-skip-tls-verify: true"),
            expected: .success(KubernetesConnection(server: "https://10.0.0.1:6443", token: "abc", insecureSkipTLSVerify: true))),
        Row(rule: "an exec credential plugin is refused by name", yaml: kubeconfig(user: "exec: {command: aws, apiVersion: client.authentication.k8s.io/v1}"),
            expected: .failure(.init("kubeconfig:9: the user gets its credentials from a credential plugin (exec), which Meridian does not run: give it a token or a client certificate"))),
        Row(rule: "a client certificate without its key is refused", yaml: kubeconfig(user: "client-certificate-data: \(pemBase64)"),
            expected: .failure(.init("kubeconfig:9: a client certificate needs its key, and a key its certificate"))),
        Row(rule: "a context that does not exist is named", yaml: kubeconfig(), context: "staging",
            expected: .failure(.init("kubeconfig:1: no entry named \"staging\" in contexts"))),
        Row(rule: "no current-context and none given", yaml: kubeconfig(current: ""),
            expected: .failure(.init("kubeconfig: no current-context, and no context given (--kubernetes-context)"))),
        Row(rule: "a cluster without a server", yaml: kubeconfig(cluster: "certificate-authority-data: \(pemBase64)"),
            expected: .failure(.init("kubeconfig:6: the cluster has no server"))),
        Row(rule: "data that is not base64", yaml: kubeconfig(cluster: "server: https://h:1, certificate-authority-data: '%%%'"),
            expected: .failure(.init("kubeconfig:6: certificate-authority-data is not base64"))),
    ]

    @Test("kubeconfig", arguments: rows)
    func kubeconfig(_ row: Row) {
        let result = Result { () throws(KubernetesConfigurationError) in
            try Kubeconfig.connection(yaml: Array(row.yaml.utf8), fileName: "kubeconfig", directory: "/nonexistent", context: row.context)
        }
        #expect(result == row.expected, "\(row.rule)")
    }

    @Test("files named in a kubeconfig are read relative to it")
    func relativeFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kubeconfig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.pem.write(to: directory.appendingPathComponent("ca.pem"), atomically: true, encoding: .utf8)
        try "s3cret\n".write(to: directory.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        let path = directory.appendingPathComponent("config").path
        try Self.kubeconfig(cluster: "server: https://10.0.0.1:6443, certificate-authority: ca.pem", user: "tokenFile: token")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let connection = try Kubeconfig.connection(file: path)
        #expect(connection == KubernetesConnection(server: "https://10.0.0.1:6443", token: "s3cret", certificateAuthorityPEM: Array(Self.pem.utf8)))
    }

    @Test("in a pod: the service account's token, CA bundle and namespace, the API server from the environment")
    func inCluster() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("serviceaccount-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "tok\n".write(to: directory.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        try Self.pem.write(to: directory.appendingPathComponent("ca.crt"), atomically: true, encoding: .utf8)
        try "meridian-system".write(to: directory.appendingPathComponent("namespace"), atomically: true, encoding: .utf8)
        let connection = try KubernetesConnection.inCluster(environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"],
                                                            serviceAccountDirectory: directory.path)
        #expect(connection == KubernetesConnection(server: "https://[fd00::1]:443", token: "tok", certificateAuthorityPEM: Array(Self.pem.utf8), namespace: "meridian-system"))
        #expect(throws: KubernetesConfigurationError.self) { try KubernetesConnection.inCluster(environment: [:], serviceAccountDirectory: directory.path) }
    }
}
