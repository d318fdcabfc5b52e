import EnvoyAPI
import Foundation
import MeridianServe

/// Embeds a config dump's resources in a static Envoy bootstrap, for `envoy --mode validate`.
///
/// Only what ADS provides dynamically is rewritten: an HCM's `rds` becomes the
/// inline `route_config` it names, an EDS cluster becomes STATIC with its
/// load assignment inline, and a TLS context's SDS certificates become the inline
/// `tls_certificates` of the secrets they name. Every other byte is what Meridian serves.
public enum StaticBootstrap {
    /// A snapshot's resources, its secrets with their private keys (the config dump redacts them).
    public static func embedding(_ snapshot: Snapshot) throws -> JSONValue {
        try embedding(configDump: ConfigDump.render(snapshot), secrets: snapshot.resources[.secret] ?? [])
    }

    public static func embedding(configDump: JSONValue, secrets: [XDSResource] = []) throws -> JSONValue {
        let configs = configDump["configs"].flatMap { value -> [JSONValue]? in
            if case .array(let items) = value { return items }
            return nil
        } ?? []
        func section(_ suffix: String, _ key: String) -> [JSONValue] {
            for config in configs {
                if case .string(let type) = config["@type"], type.hasSuffix(suffix), case .array(let items) = config[key] { return items }
            }
            return []
        }
        var routes: [String: JSONValue] = [:]
        for entry in section("RoutesConfigDump", "dynamic_route_configs") {
            if let route = entry["route_config"], case .string(let name) = route["name"] { routes[name] = removingType(route) }
        }
        var assignments: [String: JSONValue] = [:]
        for entry in section("EndpointsConfigDump", "dynamic_endpoint_configs") {
            if let assignment = entry["endpoint_config"], case .string(let name) = assignment["cluster_name"] { assignments[name] = removingType(assignment) }
        }
        var certificates: [String: JSONValue] = [:]
        for secret in secrets {
            guard let rendered = ProtobufJSON.render(typeURL: ResourceType.secret.typeURL, bytes: secret.message.bytes),
                  let certificate = rendered["tls_certificate"] else { throw FixtureError("secret \(secret.name) holds no certificate") }
            certificates[secret.name] = certificate
        }
        let listeners = try section("ListenersConfigDump", "dynamic_listeners").map { entry -> JSONValue in
            guard let listener = entry["active_state"]?["listener"] else { throw FixtureError("listener without active_state") }
            return try inliningSecrets(inliningRoutes(removingType(listener), routes: routes), certificates: certificates)
        }
        let clusters = try section("ClustersConfigDump", "dynamic_active_clusters").map { entry -> JSONValue in
            guard let cluster = entry["cluster"] else { throw FixtureError("cluster entry without cluster") }
            // A TLS cluster's client certificate comes over SDS too.
            return try inliningSecrets(inliningEndpoints(removingType(cluster), assignments: assignments), certificates: certificates)
        }
        return .object([
            ("admin", .object([("address", .object([("socket_address", .object([("address", .string("127.0.0.1")), ("port_value", .integer(0))]))]))])),
            ("static_resources", .object([("listeners", .array(listeners)), ("clusters", .array(clusters))])),
        ])
    }

    private static func removingType(_ value: JSONValue) -> JSONValue {
        guard case .object(let members) = value else { return value }
        return .object(members.filter { $0.0 != "@type" })
    }

    /// Walks the listener and replaces every `rds` object with `route_config`.
    private static func inliningRoutes(_ value: JSONValue, routes: [String: JSONValue]) throws -> JSONValue {
        switch value {
        case .object(let members):
            return .object(try members.map { key, member in
                if key == "rds", case .string(let name) = member["route_config_name"] {
                    guard let route = routes[name] else { throw FixtureError("listener refers to missing route configuration \(name)") }
                    return ("route_config", route)
                }
                return (key, try inliningRoutes(member, routes: routes))
            })
        case .array(let items):
            return .array(try items.map { try inliningRoutes($0, routes: routes) })
        default:
            return value
        }
    }

    /// Walks a listener or cluster and replaces every `tls_certificate_sds_secret_configs` with `tls_certificates`.
    private static func inliningSecrets(_ value: JSONValue, certificates: [String: JSONValue]) throws -> JSONValue {
        switch value {
        case .object(let members):
            return .object(try members.map { key, member in
                if key == "tls_certificate_sds_secret_configs", case .array(let configs) = member {
                    return ("tls_certificates", .array(try configs.map { config in
                        guard case .string(let name) = config["name"], let certificate = certificates[name] else {
                            throw FixtureError("a TLS context names a secret the snapshot does not hold")
                        }
                        return certificate
                    }))
                }
                return (key, try inliningSecrets(member, certificates: certificates))
            })
        case .array(let items):
            return .array(try items.map { try inliningSecrets($0, certificates: certificates) })
        default:
            return value
        }
    }

    private static func inliningEndpoints(_ cluster: JSONValue, assignments: [String: JSONValue]) throws -> JSONValue {
        guard case .object(let members) = cluster, case .string("EDS") = cluster["type"] else { return cluster }
        guard case .string(let name) = cluster["eds_cluster_config"]?["service_name"] ?? cluster["name"],
              let assignment = assignments[name] else { throw FixtureError("EDS cluster without a load assignment") }
        return .object(members.compactMap { key, member in
            switch key {
            case "type": ("type", .string("STATIC"))
            case "eds_cluster_config": nil
            default: (key, member)
            }
        } + [("load_assignment", assignment)])
    }

    /// Runs `envoy --mode validate` on the bootstrap; returns Envoy's output on failure.
    public static func validate(_ bootstrap: JSONValue, directory: URL) throws -> (valid: Bool, output: String) {
        let binary = ProcessInfo.processInfo.environment["ENVOY_BINARY"].map(URL.init(fileURLWithPath:)) ?? RepositoryPaths.executable(named: "envoy")
        guard let binary else { throw FixtureError("envoy not found on PATH") }
        let file = directory.appendingPathComponent("static-bootstrap-\(UUID().uuidString.prefix(8)).json")
        try bootstrap.json().write(to: file, atomically: true, encoding: .utf8)
        let log = directory.appendingPathComponent(file.lastPathComponent + ".log")
        let process = try ChildProcess(executable: binary, arguments: ["--mode", "validate", "-c", file.path, "--use-dynamic-base-id", "--log-level", "error"], logFile: log)
        let status = process.waitForExit(timeout: 60)
        return (status == 0, process.output)
    }
}
