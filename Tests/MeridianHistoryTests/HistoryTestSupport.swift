import EnvoyAPI
import Foundation
import Logging
@testable import MeridianHistory
import MeridianLoad
import MeridianRuntime
import MeridianServe
import MeridianTestSupport
import MeridianTranslate

/// Real inputs for history tests: YAML through load, translate and encode, so snapshots are
/// what `serve` would record.
enum HistoryInputs {
    static let group = "ns/gw"

    /// A Gateway, two Services and an HTTPRoute splitting `/` by `weights`; with `path`, a
    /// second rule sending that prefix to `b`.
    static func yaml(weights: (a: Int, b: Int), path: String? = nil, gatewayPort: Int = 18_080) -> String {
        var text = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: meridian}
        spec: {controllerName: meridian.dev/gateway-controller}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: ns}
        spec:
          gatewayClassName: meridian
          listeners: [{name: http, protocol: HTTP, port: \(gatewayPort)}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: a, namespace: ns}
        spec: {ports: [{name: http, port: 80}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: b, namespace: ns}
        spec: {ports: [{name: http, port: 80}]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: split, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - backendRefs:
                - {name: a, port: 80, weight: \(weights.a)}
                - {name: b, port: 80, weight: \(weights.b)}

        """
        if let path {
            text += """
                - matches: [{path: {type: PathPrefix, value: \(path)}}]
                  backendRefs: [{name: b, port: 80}]

            """
        }
        return text
    }

    static var options: TranslationOptions {
        var options = TranslationOptions()
        options.listenerAddress = "127.0.0.1"
        return options
    }

    /// The build of `yaml` as one file.
    static func build(_ yaml: String) -> ConfigurationBuild {
        ConfigurationPipeline.build(ConfigurationLoader.load(yaml: yaml, fileName: "routes.yaml"), options: options)
    }

    static func snapshot(weights: (a: Int, b: Int), path: String? = nil) throws -> Snapshot {
        let build = build(yaml(weights: weights, path: path))
        return try require(build.snapshots[group], "\(build.loaded.errors) \(build.snapshotErrors)")
    }

    static func scratch(_ label: String) throws -> String {
        try RepositoryPaths.makeScratchDirectory("history-\(label)").path
    }

    static var logger: Logger {
        var logger = Logger(label: "history-test")
        logger.logLevel = .critical
        return logger
    }
}

/// `#require` outside a test function's body.
private func require<T>(_ value: T?, _ message: String) throws -> T {
    guard let value else { throw FixtureError(message) }
    return value
}
