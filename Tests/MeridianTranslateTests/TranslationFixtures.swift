import MeridianIR
import MeridianLoad
import MeridianTranslate
import Testing

/// Translates YAML text, failing the test on any load error.
func translate(_ yaml: String, options: TranslationOptions = TranslationOptions(), sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Translation {
    let loaded = ConfigurationLoader.load(yaml: yaml, fileName: "test.yaml")
    #expect(loaded.errors.isEmpty, "load errors: \(loaded.errors.map(\.description))", sourceLocation: sourceLocation)
    return GatewayTranslator.translate(TranslationInput(loaded), options: options)
}

/// Translates YAML text whose only load errors are in objects set aside (rejected policies).
func translateWithRejections(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> (Translation, LoadedConfiguration) {
    let loaded = ConfigurationLoader.load(yaml: yaml, fileName: "test.yaml")
    #expect(loaded.isServable, "load errors outside rejected objects: \(loaded.errors.map(\.description))", sourceLocation: sourceLocation)
    var input = TranslationInput(loaded)
    input.rejectedObjects = loaded.rejected
    return (GatewayTranslator.translate(input), loaded)
}

extension Translation {
    func status(_ kind: String, _ name: String) -> ResourceStatus? {
        statuses.first { $0.kind == kind && $0.qualifiedName == name }
    }

    func condition(_ kind: String, _ name: String, parent: Int = 0, _ type: String) -> Condition? {
        status(kind, name)?.parents[parent].conditions.first { $0.type.rawValue == type }
    }

    func proxy(_ group: String) -> ProxyConfiguration? {
        proxies.first { $0.group == group }
    }
}

/// A GatewayClass and a Gateway `ns/gw` with the given listeners YAML.
func gateway(listeners: String, namespace: String = "ns") -> String {
    """
    apiVersion: gateway.networking.k8s.io/v1
    kind: GatewayClass
    metadata: {name: meridian}
    spec: {controllerName: meridian.dev/gateway-controller}
    ---
    apiVersion: gateway.networking.k8s.io/v1
    kind: Gateway
    metadata: {name: gw, namespace: \(namespace)}
    spec:
      gatewayClassName: meridian
      listeners:
    \(listeners)
    """
}

let httpListener = """
      - name: http
        protocol: HTTP
        port: 8080
"""

/// A Service `ns/name` on port 80 with one EndpointSlice endpoint per address.
func service(_ name: String, namespace: String = "ns", addresses: [String] = ["10.0.0.1"], targetPort: Int = 9000) -> String {
    """

    ---
    apiVersion: v1
    kind: Service
    metadata: {name: \(name), namespace: \(namespace)}
    spec:
      ports: [{name: http, port: 80, targetPort: \(targetPort)}]
    ---
    apiVersion: discovery.k8s.io/v1
    kind: EndpointSlice
    metadata:
      name: \(name)-1
      namespace: \(namespace)
      labels: {kubernetes.io/service-name: \(name)}
    addressType: IPv4
    ports: [{name: http, port: \(targetPort)}]
    endpoints:
    \(addresses.map { "  - addresses: [\"\($0)\"]" }.joined(separator: "\n"))
    """
}

extension Translation {
    /// The Envoy routes of a proxy group, in table order.
    func routes(_ group: String = "ns/gw") -> [Route] {
        proxy(group)?.routeTables.flatMap(\.virtualHosts).flatMap(\.routes) ?? []
    }

    /// The Envoy route made from a rule's first match.
    func route(_ routeName: String, rule: Int = 0, group: String = "ns/gw") -> Route? {
        routes(group).first { $0.name == "\(routeName)/rule\(rule)/match0" }
    }

    func cluster(_ name: String, group: String = "ns/gw") -> Cluster? {
        proxy(group)?.clusters.first { $0.name == name }
    }

    /// A policy's ancestor conditions, as `ancestor: Type=Status Reason: message` lines.
    func policyConditions(_ kind: String, _ name: String) -> [String] {
        (status(kind, name)?.parents ?? []).flatMap { parent in parent.conditions.map { "\(parent.parent): \($0)" } }
    }
}

/// A route `ns/<name>` on `ns/gw` sending `path` to Service `svc` port 80, with extra rule YAML.
func httpRoute(_ name: String = "r", path: String = "/", ruleName: String? = nil, labels: String = "{}", timestamp: String? = nil, rule extra: String = "") -> String {
    """

    ---
    apiVersion: gateway.networking.k8s.io/v1
    kind: HTTPRoute
    metadata: {name: \(name), namespace: ns, labels: \(labels)\(timestamp.map { ", creationTimestamp: \"\($0)\"" } ?? "")}
    spec:
      parentRefs: [{name: gw}]
      rules:
        - matches: [{path: {type: PathPrefix, value: \(path)}}]
          backendRefs: [{name: svc, port: 80}]\(ruleName.map { "\n      name: \($0)" } ?? "")
    \(extra.isEmpty ? "" : extra.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n"))
    """
}

/// A policy document in namespace `ns` (unless the body says otherwise).
func policy(_ apiVersion: String, _ kind: String, _ name: String, timestamp: String? = nil, spec: String) -> String {
    """

    ---
    apiVersion: \(apiVersion)
    kind: \(kind)
    metadata: {name: \(name), namespace: ns\(timestamp.map { ", creationTimestamp: \"\($0)\"" } ?? "")}
    spec:
    \(spec.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n"))
    """
}

let kgatewayV2 = "gateway.kgateway.dev/v1alpha1"
let seedGroup = "kgateway.dev/v1alpha1"
