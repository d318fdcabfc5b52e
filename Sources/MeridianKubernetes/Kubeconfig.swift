import Foundation
import MeridianLoad

/// Reads the connection of one context of a kubeconfig file, as kubectl does: the context
/// named (or `current-context`), its cluster's `server`, `certificate-authority` (a file,
/// relative to the kubeconfig's directory) or `certificate-authority-data` (base64),
/// `insecure-skip-tls-verify`, and its user's `token` or `tokenFile`, or
/// `client-certificate`/`client-key` (files or `-data`). Credential plugins (`exec`,
/// `auth-provider`) are refused by name: Meridian runs no programs to get a token.
public enum Kubeconfig {
    public static func connection(file path: String, context: String? = nil) throws(KubernetesConfigurationError) -> KubernetesConnection {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubernetesConfigurationError("\(path): cannot be read")
        }
        return try connection(yaml: Array(data), fileName: path, directory: (path as NSString).deletingLastPathComponent, context: context)
    }

    public static func connection(yaml: [UInt8], fileName: String, directory: String, context wanted: String? = nil) throws(KubernetesConfigurationError) -> KubernetesConnection {
        let parsed = YAMLDocumentParser.parse(yaml, fileName: fileName)
        if let error = parsed.allErrors.first { throw KubernetesConfigurationError("\(error)") }
        guard let root = parsed.documents.first?.root, let top = Mapping(root, fileName: fileName) else {
            throw KubernetesConfigurationError("\(fileName): not a kubeconfig (a mapping with clusters, users and contexts)")
        }
        guard let name = wanted ?? top.string("current-context"), !name.isEmpty else {
            throw KubernetesConfigurationError("\(fileName): no current-context, and no context given (--kubernetes-context)")
        }
        let context = try top.named("contexts", name, field: "context")
        guard let clusterName = context.string("cluster") else { throw context.error("the context names no cluster") }
        let cluster = try top.named("clusters", clusterName, field: "cluster")
        guard let server = cluster.string("server"), !server.isEmpty else { throw cluster.error("the cluster has no server") }
        var connection = KubernetesConnection(server: server.hasSuffix("/") ? String(server.dropLast()) : server, namespace: context.string("namespace"))
        connection.insecureSkipTLSVerify = cluster.string("insecure-skip-tls-verify") == "true"
        connection.certificateAuthorityPEM = try cluster.bytes("certificate-authority", directory: directory)
        if let userName = context.string("user") {
            let user = try top.named("users", userName, field: "user")
            for plugin in ["exec", "auth-provider"] where user.has(plugin) {
                throw user.error("the user gets its credentials from \(plugin == "exec" ? "a credential plugin (exec)" : "an auth-provider"), which Meridian does not run: give it a token or a client certificate")
            }
            if let token = user.string("token") {
                connection.token = token
            } else if let tokenFile = try user.bytes("tokenFile", directory: directory, dataKey: nil) {
                connection.token = String(decoding: tokenFile, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            connection.clientCertificatePEM = try user.bytes("client-certificate", directory: directory)
            connection.clientKeyPEM = try user.bytes("client-key", directory: directory)
            if (connection.clientCertificatePEM == nil) != (connection.clientKeyPEM == nil) {
                throw user.error("a client certificate needs its key, and a key its certificate")
            }
        }
        return connection
    }

    /// A mapping of the kubeconfig, read by key.
    struct Mapping {
        var entries: [String: YAMLNode]
        var location: SourceLocation
        var fileName: String

        init?(_ node: YAMLNode, fileName: String) {
            guard case .mapping(let pairs) = node.content else { return nil }
            var entries: [String: YAMLNode] = [:]
            for pair in pairs { if let key = pair.key.scalar?.text { entries[key] = pair.value } }
            self.entries = entries
            location = node.location
            self.fileName = fileName
        }

        func has(_ key: String) -> Bool { entries[key].map { !$0.isNull } ?? false }

        func string(_ key: String) -> String? {
            guard let scalar = entries[key]?.scalar, entries[key]?.isNull == false else { return nil }
            return scalar.text
        }

        func error(_ message: String) -> KubernetesConfigurationError {
            KubernetesConfigurationError("\(fileName):\(location.line): \(message)")
        }

        /// The entry of list `list` whose `name` is `name`, and its `field` mapping.
        func named(_ list: String, _ name: String, field: String) throws(KubernetesConfigurationError) -> Mapping {
            guard case .sequence(let items)? = entries[list]?.content else { throw error("no \(list)") }
            for item in items {
                guard let entry = Mapping(item, fileName: fileName), entry.string("name") == name else { continue }
                guard let value = entry.entries[field], let mapping = Mapping(value, fileName: fileName) else {
                    throw entry.error("\(list) entry \"\(name)\" has no \(field)")
                }
                return mapping
            }
            throw error("no entry named \"\(name)\" in \(list)")
        }

        /// A file's bytes (`key`, relative to `directory`) or base64 data (`key-data`).
        func bytes(_ key: String, directory: String, dataKey: String? = "") throws(KubernetesConfigurationError) -> [UInt8]? {
            let dataKey = dataKey == "" ? "\(key)-data" : dataKey
            if let dataKey, let encoded = string(dataKey) {
                guard let data = Data(base64Encoded: encoded.filter { !$0.isWhitespace }) else { throw error("\(dataKey) is not base64") }
                return Array(data)
            }
            guard let path = string(key) else { return nil }
            let resolved = path.hasPrefix("/") ? path : (directory as NSString).appendingPathComponent(path)
            guard let data = FileManager.default.contents(atPath: resolved) else { throw error("\(key) \(resolved): cannot be read") }
            return Array(data)
        }
    }
}
