import EnvoyAPI
import Hummingbird

/// `/healthz`: the process answers. `/readyz`: a valid snapshot is being served.
enum HealthRoutes {
    static func add(to router: Router<BasicRequestContext>, sources: AdminSources) {
        router.get("/healthz") { request, _ in
            AdminResponses.answer(request, json: .object([("status", .string("alive"))])) { "alive" }
        }
        router.get("/readyz") { request, _ in
            guard let build = sources.watcher.servedBuild else {
                return AdminResponses.answer(request, status: .serviceUnavailable, json: .object([("status", .string("not ready")), ("reason", .string("no valid configuration has been served yet"))])) {
                    "not ready: no valid configuration has been served yet"
                }
            }
            let groups = build.snapshots.keys.sorted()
            return AdminResponses.answer(request, json: .object([("status", .string("ready")), ("groups", .array(groups.map(JSONValue.string)))])) {
                "ready: serving \(groups.count) proxy group(s)"
            }
        }
    }
}
