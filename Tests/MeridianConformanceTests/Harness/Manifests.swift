import Foundation
import MeridianLoad
import MeridianTestSupport

/// The upstream conformance manifests (`Tests/Conformance/upstream`), read as Kubernetes would
/// apply them: `{GATEWAY_CLASS_NAME}` and `{GATEWAY_CONTROLLER_NAME}` replaced, every document kept (Deployments too, which
/// Meridian ignores but the harness needs to know which pods a Service selects).
enum UpstreamManifests {
    static let directory = RepositoryPaths.root.appendingPathComponent("Tests/Conformance/upstream")
    static let gatewayClassName = "meridian"
    static let controllerName = "meridian.dev/gateway-controller"

    /// The GatewayClass the upstream suite expects the implementation to provide.
    static let gatewayClassYAML = """
    apiVersion: gateway.networking.k8s.io/v1
    kind: GatewayClass
    metadata: {name: \(gatewayClassName)}
    spec: {controllerName: \(controllerName)}

    """

    /// `base/manifests.yaml` or `tests/NAME`, with the class name filled in.
    static func text(_ relativePath: String) throws -> String {
        let url = directory.appendingPathComponent(relativePath)
        return try String(contentsOf: url, encoding: .utf8)
            .replacingOccurrences(of: "{GATEWAY_CLASS_NAME}", with: gatewayClassName)
            .replacingOccurrences(of: "{GATEWAY_CONTROLLER_NAME}", with: controllerName)
    }

    static func documents(_ text: String, fileName: String) -> [ManifestDocument] {
        YAMLDocumentParser.parse(text, fileName: fileName).documents.compactMap(ManifestDocument.init)
    }
}

/// One Kubernetes object of a manifest, by its YAML tree.
struct ManifestDocument {
    var kind: String
    var name: String
    var namespace: String
    var root: YAMLNode

    init?(_ document: YAMLDocument) {
        guard let kind = document.root["kind"]?.text, let name = document.root["metadata"]?["name"]?.text else { return nil }
        self.kind = kind
        self.name = name
        namespace = document.root["metadata"]?["namespace"]?.text ?? "default"
        isClusterScoped = ["GatewayClass", "Namespace"].contains(kind)
        root = document.root
    }

    /// Cluster-scoped kinds have no namespace: their `namespace/name` is the name alone.
    var isClusterScoped: Bool
    /// `namespace/name`, or the name of a cluster-scoped object.
    var qualifiedName: String { isClusterScoped ? name : "\(namespace)/\(name)" }

    /// A Deployment's pod template labels.
    /// A Deployment of upstream's gRPC echo pods (echo-basic with `GRPC_ECHO_SERVER` set).
    var isGRPCEcho: Bool {
        (root["spec"]?["template"]?["spec"]?["containers"]?.items ?? []).contains { container in
            (container["env"]?.items ?? []).contains { $0["name"]?.text == "GRPC_ECHO_SERVER" }
        }
    }

    var podLabels: [String: String] { root["spec"]?["template"]?["metadata"]?["labels"]?.stringMap ?? [:] }

    /// The ConfigMap whose CAs a Deployment's echo-basic checks client certificates against:
    /// the volume mounted where its `TLS_CLIENT_CACERTS` file is.
    var tlsClientCAConfigMap: String? {
        let pod = root["spec"]?["template"]?["spec"]
        for container in pod?["containers"]?.items ?? [] {
            guard let path = (container["env"]?.items ?? []).first(where: { $0["name"]?.text == "TLS_CLIENT_CACERTS" })?["value"]?.text else { continue }
            guard let mount = (container["volumeMounts"]?.items ?? []).first(where: { path.hasPrefix(($0["mountPath"]?.text ?? "\u{0}") + "/") }),
                  let volume = (pod?["volumes"]?.items ?? []).first(where: { $0["name"]?.text == mount["name"]?.text }) else { continue }
            return volume["configMap"]?["name"]?.text
        }
        return nil
    }

    /// A Service's selector (empty: endpoints are managed by hand).
    var selector: [String: String] { root["spec"]?["selector"]?.stringMap ?? [:] }

    /// A Service's ports: name, port, target port (a number, or nil for a named one).
    var servicePorts: [(name: String?, port: Int, targetPort: Int?)] {
        (root["spec"]?["ports"]?.items ?? []).compactMap { item in
            guard let port = item["port"]?.text.flatMap({ Int($0) }) else { return nil }
            let target = item["targetPort"]?.text
            return (item["name"]?.text, port, target.map { Int($0) } ?? port)
        }
    }

    /// A Gateway's listener ports.
    var listenerPorts: [Int] {
        (root["spec"]?["listeners"]?.items ?? []).compactMap { $0["port"]?.text.flatMap { Int($0) } }
    }
}

extension YAMLNode {
    subscript(key: String) -> YAMLNode? {
        guard case .mapping(let entries) = content else { return nil }
        return entries.first { $0.key.scalar?.text == key }?.value
    }

    var text: String? { scalar?.text }

    var items: [YAMLNode] {
        if case .sequence(let nodes) = content { return nodes }
        return []
    }

    var stringMap: [String: String] {
        guard case .mapping(let entries) = content else { return [:] }
        var map: [String: String] = [:]
        for entry in entries {
            if let key = entry.key.text, let value = entry.value.text { map[key] = value }
        }
        return map
    }
}
