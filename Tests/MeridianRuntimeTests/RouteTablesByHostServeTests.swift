import Foundation
import MeridianServe
import MeridianTestSupport
import Synchronization
import Testing

/// `serve --route-tables per-host` with a real Envoy: a port whose routes all name exact host
/// names is served as scoped route tables (one per host name, chosen by the Host header), and
/// routes exactly as one table would, while host names come, change and go under traffic.
@Suite("route tables split by host (scoped routes)", .serialized)
struct RouteTablesByHostServeTests {
    static func route(_ name: String, hostnames: [String]?, path: String = "/", backend: String) -> String {
        let hosts = hostnames.map { "  hostnames: [\($0.joined(separator: ", "))]\n" } ?? ""
        return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: \(name), namespace: ns}
        spec:
        \(hosts)  parentRefs: [{name: gw}]
          rules:
            - matches: [{path: {type: PathPrefix, value: \(path)}}]
              backendRefs: [{name: \(backend), port: 80}]

        """
    }

    /// `stable.example.com` to a throughout, `swap.example.com` alternating a and b, and one
    /// host name per step that exists for that step only; with `wildcard`, a `*.example.com`
    /// route too, which no scope can key (the table is then served whole).
    static func routes(step: Int, wildcard: Bool = false) -> String {
        var documents = [
            route("stable", hostnames: ["stable.example.com", "stable-alias.example.com"], backend: "a"),
            route("swap", hostnames: ["swap.example.com"], backend: step.isMultiple(of: 2) ? "a" : "b"),
            route("step-\(step)", hostnames: ["step-\(step).example.com"], path: "/only", backend: "b"),
        ]
        if wildcard { documents.append(route("wildcard", hostnames: ["\"*.wild.example.com\""], backend: "b")) }
        return documents.joined(separator: "---\n")
    }

    /// Whether the active listeners in Envoy's config dump use scoped routes.
    static func listenerUsesScopedRoutes(_ dump: [String: Any]) -> Bool {
        let listeners = (dump["configs"] as? [[String: Any]] ?? []).filter { ($0["@type"] as? String)?.hasSuffix("ListenersConfigDump") == true }
        let active = listeners.flatMap { $0["dynamic_listeners"] as? [[String: Any]] ?? [] }.compactMap { $0["active_state"] }
        return active.contains { containsKey("scoped_routes", in: $0) }
    }

    /// The scope keys in Envoy's config dump.
    static func scopeKeys(_ dump: [String: Any]) -> Set<String> {
        let sections = (dump["configs"] as? [[String: Any]] ?? []).filter { ($0["@type"] as? String)?.hasSuffix("ScopedRoutesConfigDump") == true }
        var keys: Set<String> = []
        func collect(_ value: Any) {
            if let object = value as? [String: Any] {
                for (key, member) in object {
                    if key == "string_key", let text = member as? String { keys.insert(text) } else { collect(member) }
                }
            } else if let array = value as? [Any] {
                array.forEach(collect)
            }
        }
        sections.forEach(collect)
        return keys
    }

    static func containsKey(_ wanted: String, in value: Any) -> Bool {
        if let object = value as? [String: Any] { return object.keys.contains(wanted) || object.values.contains { containsKey(wanted, in: $0) } }
        if let array = value as? [Any] { return array.contains { containsKey(wanted, in: $0) } }
        return false
    }

    @Test("host names routed by their own tables; added, swapped and deleted under traffic; a wildcard switches to one table and back; no request to a host present throughout fails", arguments: XDSProtocol.allCases)
    func scopedRoutesUnderChange(_ xdsProtocol: XDSProtocol) async throws {
        let fixture = try await ServeFixture(
            "route-tables-by-host-\(xdsProtocol)", backendNames: ["a", "b"], routes: Self.routes(step: 0),
            serveArguments: ["--route-tables", "per-host"], xdsProtocol: xdsProtocol
        )
        defer { fixture.stop() }
        let port = fixture.listenerPort
        func send(_ host: String, _ path: String = "/") async -> (status: Int, backend: String?)? {
            guard let response = await HTTPProbe.trySend(port: port, path: path, host: host) else { return nil }
            return (response.status, response.headers["x-backend"])
        }
        #expect(await eventually(timeout: .seconds(15)) { await send("stable.example.com")?.backend == "a" }, "\(fixture.meridianLog.suffix(3_000))")

        // The config Envoy holds: scoped routes on the listener, a scope and a table per host name.
        let dump = try await fixture.envoy.configDump()
        #expect(Self.listenerUsesScopedRoutes(dump), "the listener uses scoped routes")
        #expect(Self.scopeKeys(dump) == ["stable.example.com", "stable-alias.example.com", "swap.example.com", "step-0.example.com"], "a scope for each host name")
        // Each host name reaches its own routes, with or without a port in Host; any other is 404.
        #expect(await send("stable-alias.example.com")?.backend == "a")
        #expect(await send("stable.example.com:\(port)")?.backend == "a")
        #expect(await send("step-0.example.com", "/only")?.backend == "b")
        #expect(await send("step-0.example.com", "/elsewhere")?.status == 404)
        #expect(await send("unknown.example.com")?.status == 404)

        let tally = TrafficTally()
        let traffic = Task {
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var index = worker
                        while tally.running.load(ordering: .relaxed) {
                            let host = ["stable.example.com", "stable-alias.example.com", "swap.example.com"][index % 3]
                            let answer = await HTTPProbe.trySend(port: port, path: "/", host: host)
                            tally.record(answer.map { "\($0.status)" } ?? "no answer")
                            index += 1
                            try? await Task.sleep(for: .milliseconds(10))
                        }
                    }
                }
            }
        }
        var served: [Bool] = []
        for step in 1...6 {
            // Steps 3 and 4 add a wildcard route: the port is then served as one table, and
            // split again at step 5 (a listener change each time, under traffic).
            try fixture.writeRoutes(Self.routes(step: step, wildcard: step == 3 || step == 4))
            let swapped = step.isMultiple(of: 2) ? "a" : "b"
            served.append(await eventually(timeout: .seconds(5), every: .milliseconds(5)) {
                let new = await send("step-\(step).example.com", "/only")?.backend == "b"
                let swap = await send("swap.example.com")?.backend == swapped
                return new && swap
            })
            #expect(await send("step-\(step - 1).example.com", "/only")?.status == 404, "step \(step): the previous step's host name is gone")
            if step == 3 {
                #expect(await eventually(timeout: .seconds(5)) { await send("x.wild.example.com")?.backend == "b" }, "the wildcard route is served")
                #expect(await eventually(timeout: .seconds(5)) { await ((try? fixture.envoy.configDump()).map { !Self.listenerUsesScopedRoutes($0) } ?? false) }, "with a wildcard the port is one table")
            }
            // After the step with one table, longer than Envoy's drain time (1 s here): the
            // listener with scoped routes is gone, with its scopes subscription, when scoped
            // routes return. (Back within the drain time, Envoy reuses that subscription and
            // does not wait for the tables of scopes added to it: a host name can answer 404
            // for the milliseconds until its table loads. See the README, Route propagation.)
            try await Task.sleep(for: .milliseconds(step == 4 ? 2_500 : 150))
        }
        tally.running.store(false, ordering: .relaxed)
        await traffic.value
        print("figure: \(xdsProtocol): \(tally.total) requests to host names present throughout, during 6 steps (host names added and deleted, a backend swapped, split to one table and back); failures: \(tally.failures)")
        #expect(served == Array(repeating: true, count: 6), "every step reached Envoy:\n\(fixture.meridianLog.suffix(3_000))")
        #expect(await eventually(timeout: .seconds(5)) { await ((try? fixture.envoy.configDump()).map(Self.listenerUsesScopedRoutes) ?? false) }, "split again once the wildcard is gone")
        #expect(tally.total > 40)
        #expect(tally.failures.isEmpty, "non-200 answers for host names present throughout: \(tally.failures)")
    }
}
