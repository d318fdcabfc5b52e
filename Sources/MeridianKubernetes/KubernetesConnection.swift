import Foundation
import MeridianLoad

/// Where the API server is and how to prove who we are: read from a kubeconfig file
/// (`--kubeconfig`) or, inside a pod, from the service account Kubernetes mounts.
public struct KubernetesConnection: Sendable, Equatable {
    /// `https://host:port` (or `http://` for a local stand-in).
    public var server: String
    public var token: String?
    /// PEM bundle the server's certificate must verify against; nil: the system's roots.
    public var certificateAuthorityPEM: [UInt8]?
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: [UInt8]?
    public var insecureSkipTLSVerify = false
    /// The namespace of the kubeconfig context, or the pod's own.
    public var namespace: String?

    public init(server: String, token: String? = nil, certificateAuthorityPEM: [UInt8]? = nil, clientCertificatePEM: [UInt8]? = nil,
                clientKeyPEM: [UInt8]? = nil, insecureSkipTLSVerify: Bool = false, namespace: String? = nil) {
        self.server = server
        self.token = token
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.namespace = namespace
    }
}

/// Why no connection could be made from the configuration given.
public struct KubernetesConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    package init(_ message: String) { self.message = message }
}

extension KubernetesConnection {
    /// The connection a pod's service account gives: `KUBERNETES_SERVICE_HOST` and
    /// `KUBERNETES_SERVICE_PORT`, and the token, CA bundle and namespace files mounted in
    /// `serviceAccountDirectory`.
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory: String = "/var/run/secrets/kubernetes.io/serviceaccount"
    ) throws(KubernetesConfigurationError) -> KubernetesConnection {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty, let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty else {
            throw KubernetesConfigurationError("not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set); give --kubeconfig")
        }
        func read(_ name: String) throws(KubernetesConfigurationError) -> [UInt8] {
            let path = "\(serviceAccountDirectory)/\(name)"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw KubernetesConfigurationError("\(path): cannot be read (is a service account token mounted?)")
            }
            return Array(data)
        }
        let token = String(decoding: try read("token"), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let namespace = FileManager.default.contents(atPath: "\(serviceAccountDirectory)/namespace").map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return KubernetesConnection(server: "https://\(bracketed):\(port)", token: token, certificateAuthorityPEM: try read("ca.crt"), namespace: namespace)
    }
}
