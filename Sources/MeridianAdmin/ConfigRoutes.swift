import EnvoyAPI
import Hummingbird
import MeridianRuntime
import MeridianServe

/// `/config_dump?group=NS/NAME[&type=T]`: exactly what a group is served now, in Envoy's
/// `/config_dump` shape (the renderer `translate` uses), to diff against a proxy's own dump.
/// `/status`: the Gateway API status of every input object, and every rejected object.
enum ConfigRoutes {
    static func add(to router: Router<BasicRequestContext>, sources: AdminSources) {
        router.get("/config_dump") { request, _ in
            let snapshots = sources.cache.snapshots
            let groups = snapshots.keys.sorted()
            let group: String
            if let asked = request.uri.queryParameters.get("group") {
                group = asked
            } else if groups.count == 1 {
                group = groups[0]
            } else {
                return AdminResponses.error(request, .badRequest, "name a proxy group with ?group=NAMESPACE/NAME; served groups: \(groups.isEmpty ? "none" : groups.joined(separator: ", "))")
            }
            guard let snapshot = snapshots[group] else {
                return AdminResponses.error(request, .notFound, "proxy group \(group) is not served; served groups: \(groups.isEmpty ? "none" : groups.joined(separator: ", "))")
            }
            var dump = ConfigDump.render(snapshot)
            if let typeName = request.uri.queryParameters.get("type") {
                guard let type = resourceType(named: String(typeName)) else {
                    return AdminResponses.error(request, .badRequest, "unknown type \(typeName); use one of \(ResourceType.allCases.sorted().map(\.shortName).joined(separator: ", ")) or a type URL")
                }
                dump = ConfigDump.filtered(dump, to: type)
            }
            return AdminResponses.answer(request, json: dump) { dump.yaml() }
        }
        router.get("/status") { request, _ in
            guard let build = sources.watcher.latestBuild else {
                return AdminResponses.error(request, .serviceUnavailable, "the configuration has not been read yet")
            }
            var value = StatusReport.statusValue(build)
            let served = sources.watcher.servedBuild.map { served in served.snapshots.mapValues(\.version) == build.snapshots.mapValues(\.version) } ?? false
            if case .object(var members) = value {
                members.insert(("served", .bool(served && build.isServable)), at: 1)
                value = .object(members)
            }
            return AdminResponses.answer(request, json: value) {
                var lines = StatusReport.errorLines(build) + StatusReport.problemLines(build)
                lines.insert(build.isServable ? (served ? "served" : "valid, not served") : "invalid: the last good configuration is still served", at: 0)
                return lines.joined(separator: "\n")
            }
        }
    }

    /// `Cluster`, `cluster`, `cds` or the type URL.
    static func resourceType(named name: String) -> ResourceType? {
        let lowered = name.lowercased()
        return ResourceType.allCases.first { type in
            type.typeURL == name || type.shortName.lowercased() == lowered || aliases[type]?.contains(lowered) == true
        }
    }

    private static let aliases: [ResourceType: [String]] = [
        .cluster: ["cds", "clusters"], .endpoint: ["eds", "endpoint", "endpoints"], .listener: ["lds", "listeners"],
        .route: ["rds", "route", "routes"], .secret: ["sds", "secrets"],
    ]
}
