import EnvoyAPI
import Foundation
import MeridianTestSupport
import Synchronization
import Testing

/// A fatal failure: the rest of the test cannot run (upstream's `require`/`t.Fatalf`).
struct ConformanceFatal: Error, CustomStringConvertible {
    var description: String
}

/// One running upstream test: its environment, and the failures it has found so far.
///
/// Assertions record failures here instead of with `#expect`, so that the runner can decide
/// what they mean: a failure of a test the catalogue says passes fails the Swift test; a test
/// the catalogue lists as not yet passing must fail, and fails the Swift test if it passes.
final class ConformanceTest: Sendable {
    let name: String
    let environment: ConformanceEnvironment
    private let recorded = Mutex<[String]>([])

    init(name: String, environment: ConformanceEnvironment) {
        self.name = name
        self.environment = environment
    }

    var failures: [String] { recorded.withLock { $0 } }

    func fail(_ message: String) {
        recorded.withLock { $0.append(message) }
    }

    func fatal(_ message: String) -> ConformanceFatal {
        fail(message)
        return ConformanceFatal(description: message)
    }

    // MARK: Status (upstream's kubernetes helpers, read from `translate --output json`'s status)

    /// `kind` + `namespace/name` → that resource's status object.
    func resource(_ kind: String, _ name: String) -> JSONValue? {
        ConformanceEnvironment.resource(environment.status, kind, name)
    }

    struct ExpectedCondition: Sendable, CustomStringConvertible {
        var type: String
        /// "True", "False", or "" for any.
        var status: String
        /// "" for any.
        var reason: String

        init(_ type: String, _ status: String, _ reason: String = "") {
            self.type = type
            self.status = status
            self.reason = reason
        }

        var description: String { "\(type)=\(status.isEmpty ? "*" : status) \(reason.isEmpty ? "*" : reason)" }
    }

    static func conditions(_ value: JSONValue?) -> [(type: String, status: String, reason: String)] {
        guard case .array(let list)? = value else { return [] }
        return list.map { ($0["type"]?.string ?? "", $0["status"]?.string ?? "", $0["reason"]?.string ?? "") }
    }

    static func has(_ conditions: [(type: String, status: String, reason: String)], _ expected: ExpectedCondition) -> Bool {
        conditions.contains { $0.type == expected.type && (expected.status.isEmpty || $0.status == expected.status) && (expected.reason.isEmpty || $0.reason == expected.reason) }
    }

    static func describe(_ conditions: [(type: String, status: String, reason: String)]) -> String {
        "[" + conditions.map { "\($0.type)=\($0.status) \($0.reason)" }.joined(separator: ", ") + "]"
    }

    /// The route's parent statuses for Gateway `gateway` (any section), as (parentRef text, conditions);
    /// `parentKind` ListenerSet for a ListenerSet parent.
    func routeParents(_ kind: String = "HTTPRoute", _ route: String, gateway: String, parentKind: String = "Gateway") -> [(parent: String, conditions: [(type: String, status: String, reason: String)])] {
        guard case .array(let parents)? = resource(kind, route)?["parents"] else { return [] }
        return parents.compactMap { parent in
            guard let text = parent["parentRef"]?.string else { return nil }
            guard text == "\(parentKind) \(gateway)" || text.hasPrefix("\(parentKind) \(gateway) ") else { return nil }
            return (text, Self.conditions(parent["conditions"]))
        }
    }

    /// Upstream's `HTTPRouteMustHaveCondition`: some parent status for `gateway` has the condition.
    func routeMustHaveCondition(_ route: String, gateway: String, _ condition: ExpectedCondition, kind: String = "HTTPRoute", parentKind: String = "Gateway") {
        let parents = routeParents(kind, route, gateway: gateway, parentKind: parentKind)
        if !parents.contains(where: { Self.has($0.conditions, condition) }) {
            fail("\(kind) \(route): no parent status for \(parentKind) \(gateway) with \(condition); parents: \(parents.map { "\($0.parent) \(Self.describe($0.conditions))" }); resource: \(resource(kind, route).map { "\($0)" } ?? "none")")
        }
    }

    /// Upstream's `HTTPRouteMustHaveParents` (`parentsForRouteMatch`): for each expected parent, some
    /// parent status names that Gateway and has all its conditions. As upstream, the section name
    /// and the number of parents are not compared; `section` only documents which listener is meant.
    func routeMustHaveParents(_ route: String, _ expected: [(gateway: String, section: String?, conditions: [ExpectedCondition])], kind: String = "HTTPRoute", parentKind: String = "Gateway") {
        guard case .array(let parents)? = resource(kind, route)?["parents"] else {
            if !expected.isEmpty { fail("\(kind) \(route) has no parent statuses; expected \(expected.count)") }
            return
        }
        for parent in expected {
            let text = "\(parentKind) \(parent.gateway)"
            let matching = parents.filter { ($0["parentRef"]?.string ?? "") == text || ($0["parentRef"]?.string ?? "").hasPrefix(text + " ") }
            let matched = matching.contains { candidate in parent.conditions.allSatisfy { Self.has(Self.conditions(candidate["conditions"]), $0) } }
            if !matched {
                fail("\(kind) \(route): no parent status for \(text) with \(parent.conditions); parents: \(matching.map { "\($0["parentRef"]?.string ?? "") \(Self.describe(Self.conditions($0["conditions"])))" })")
            }
        }
    }

    /// No parent status names this parent (not an upstream helper: upstream's parent matching does
    /// not look for extra entries; the ListenerSet tests use it to say what their names mean).
    func routeMustHaveNoParent(_ route: String, _ parent: String, parentKind: String, kind: String = "HTTPRoute") {
        let found = routeParents(kind, route, gateway: parent, parentKind: parentKind)
        if !found.isEmpty { fail("\(kind) \(route): expected no parent status for \(parentKind) \(parent), got \(found.map(\.parent))") }
    }

    /// Upstream's `HTTPRouteMustHaveNoAcceptedParents`: no parent, or one that is not Accepted.
    func routeMustHaveNoAcceptedParents(_ route: String, kind: String = "HTTPRoute") {
        guard case .array(let parents)? = resource(kind, route)?["parents"], !parents.isEmpty else { return }
        if parents.count > 1 { fail("\(kind) \(route): expected at most one parent status, got \(parents.count)") }
        let conditions = Self.conditions(parents[0]["conditions"])
        if !Self.has(conditions, ExpectedCondition("Accepted", "False")) {
            fail("\(kind) \(route): expected Accepted=False, got \(Self.describe(conditions))")
        }
    }

    /// Upstream's `GatewayMustHaveCondition`.
    func gatewayMustHaveCondition(_ gateway: String, _ condition: ExpectedCondition) {
        let conditions = Self.conditions(resource("Gateway", gateway)?["conditions"])
        if !Self.has(conditions, condition) { fail("Gateway \(gateway): expected \(condition), got \(Self.describe(conditions))") }
    }

    /// The object's `metadata.generation` as the status report has it (what `kubectl get` shows).
    func generation(_ kind: String, _ name: String) -> Int? {
        guard case .array(let resources)? = environment.status["resources"] else { return nil }
        for resource in resources where resource["kind"]?.string == kind {
            let metadata = resource["metadata"]
            guard [metadata?["namespace"]?.string, metadata?["name"]?.string].compactMap({ $0 }).joined(separator: "/") == name else { continue }
            if case .integer(let value)? = metadata?["generation"] { return Int(value) }
        }
        return nil
    }

    /// Upstream's `ConditionsHaveLatestObservedGeneration`: a reason, or nil when every condition
    /// of the Gateway observed its current generation.
    func gatewayConditionsStale(_ gateway: String) -> String? {
        guard case .array(let conditions)? = resource("Gateway", gateway)?["conditions"], !conditions.isEmpty else { return "no conditions" }
        let generation = generation("Gateway", gateway)
        let stale = conditions.filter { condition in
            if case .integer(let observed)? = condition["observedGeneration"], let generation { return Int(observed) != generation }
            return true
        }
        if stale.isEmpty { return nil }
        return "expected observedGeneration to be updated to \(generation.map(String.init) ?? "none") for all conditions, only \(conditions.count - stale.count)/\(conditions.count) were updated; stale conditions are: \(stale.map { "\($0["type"]?.string ?? "") (generation \($0["observedGeneration"].map { "\($0)" } ?? "none"))" }.joined(separator: ", "))"
    }

    /// Upstream's `GatewayMustHaveLatestConditions`.
    func gatewayMustHaveLatestConditions(_ gateway: String) {
        if let problem = gatewayConditionsStale(gateway) { fail("Gateway \(gateway): \(problem)") }
    }

    /// Upstream's `NamespacesMustBeReady`, for its Gateway part: every Gateway of the namespace has
    /// conditions of its latest generation and is Accepted and Programmed. (Its pod part: the echo
    /// pods are up before any Gateway starts.)
    func namespacesMustBeReady(_ namespaces: [String]) {
        guard case .array(let resources)? = environment.status["resources"] else { return fail("no statuses") }
        for resource in resources where resource["kind"]?.string == "Gateway" {
            guard let namespace = resource["metadata"]?["namespace"]?.string, namespaces.contains(namespace),
                  let name = resource["metadata"]?["name"]?.string else { continue }
            let gateway = nn(namespace, name)
            if let problem = gatewayConditionsStale(gateway) { fail("namespace not ready: Gateway \(gateway) \(problem)") }
            gatewayMustHaveCondition(gateway, ExpectedCondition("Accepted", "True"))
            gatewayMustHaveCondition(gateway, ExpectedCondition("Programmed", "True"))
        }
    }

    /// Upstream's `GatewayListenersMustHaveConditions` (every listener, or the named ones);
    /// `ownerKind` ListenerSet is upstream's `ListenerSetListenersMustHaveConditions`.
    func gatewayListenersMustHaveConditions(_ gateway: String, _ expected: [ExpectedCondition], listeners names: [String]? = nil, ownerKind: String = "Gateway") {
        guard case .array(let listeners)? = resource(ownerKind, gateway)?["listeners"] else {
            fail("\(ownerKind) \(gateway) has no listener statuses")
            return
        }
        for name in names ?? [] where !listeners.contains(where: { $0["name"]?.string == name }) {
            fail("\(ownerKind) \(gateway): no status for listener \(name)")
        }
        for listener in listeners {
            let name = listener["name"]?.string ?? ""
            if let names, !names.contains(name) { continue }
            let conditions = Self.conditions(listener["conditions"])
            for condition in expected where !Self.has(conditions, condition) {
                fail("\(ownerKind) \(gateway) listener \(name): expected \(condition), got \(Self.describe(conditions))")
            }
        }
    }

    /// Upstream's `GatewayStatusMustHaveListeners` (`gatewayListenersMatch`): exactly these listeners,
    /// attached route counts and conditions; `kinds` (of group gateway.networking.k8s.io) must all be
    /// among the supported kinds, and when none is expected none may be listed.
    /// `ownerKind` ListenerSet is upstream's `ListenerSetStatusMustHaveListeners`.
    func gatewayMustHaveListeners(_ gateway: String, _ expected: [(name: String, attachedRoutes: Int, kinds: [String], conditions: [ExpectedCondition])], ownerKind: String = "Gateway") {
        let owner = "\(ownerKind) \(gateway)"
        guard case .array(let listeners)? = resource(ownerKind, gateway)?["listeners"] else {
            fail("\(owner) has no listener statuses")
            return
        }
        if listeners.count != expected.count { fail("\(owner): expected \(expected.count) listener statuses, got \(listeners.count)") }
        for want in expected {
            guard let listener = listeners.first(where: { $0["name"]?.string == want.name }) else {
                fail("\(owner): no status for listener \(want.name)")
                continue
            }
            var supported: [String] = []
            if case .array(let kinds)? = listener["supportedKinds"] {
                supported = kinds.map { "\($0["group"]?.string ?? "gateway.networking.k8s.io")/\($0["kind"]?.string ?? "")" }
            }
            if want.kinds.isEmpty, !supported.isEmpty {
                fail("\(owner) listener \(want.name): expected no supported kinds, got \(supported)")
            }
            for kind in want.kinds where !supported.contains("gateway.networking.k8s.io/\(kind)") {
                fail("\(owner) listener \(want.name): expected \(kind) among the supported kinds, got \(supported)")
            }
            if case .integer(let count)? = listener["attachedRoutes"], Int(count) != want.attachedRoutes {
                fail("\(owner) listener \(want.name): expected \(want.attachedRoutes) attached routes, got \(count)")
            }
            let conditions = Self.conditions(listener["conditions"])
            for condition in want.conditions where !Self.has(conditions, condition) {
                fail("\(owner) listener \(want.name): expected \(condition), got \(Self.describe(conditions))")
            }
        }
    }

    /// Upstream's `ListenerSetMustHaveCondition`.
    func listenerSetMustHaveCondition(_ set: String, _ condition: ExpectedCondition) {
        let conditions = Self.conditions(resource("ListenerSet", set)?["conditions"])
        if !Self.has(conditions, condition) { fail("ListenerSet \(set): expected \(condition), got \(Self.describe(conditions))") }
    }

    /// Upstream's `GatewayMustHaveAttachedListeners`: `status.attachedListenerSets` (absent is 0).
    func gatewayMustHaveAttachedListenerSets(_ gateway: String, _ expected: Int) {
        var count = 0
        if case .integer(let value)? = resource("Gateway", gateway)?["attachedListenerSets"] { count = Int(value) }
        if count != expected { fail("Gateway \(gateway): expected \(expected) attached ListenerSets, got \(count)") }
    }

    /// Upstream's `RoutesAndParentMustBeAccepted` for a ListenerSet parent: each route has it as an
    /// Accepted parent, and every listener of it is ResolvedRefs, Accepted and Programmed.
    func routesAndListenerSetMustBeAccepted(_ set: String, routes: [String]) {
        for route in routes {
            routeMustHaveParents(route, [(set, nil, [ExpectedCondition("Accepted", "True", "Accepted")])], parentKind: "ListenerSet")
        }
        gatewayListenersMustHaveConditions(set, [ExpectedCondition("ResolvedRefs", "True"), ExpectedCondition("Accepted", "True"), ExpectedCondition("Programmed", "True")], ownerKind: "ListenerSet")
    }

    /// Upstream's `GatewayMustHaveZeroRoutes`: no listener counts an attached route.
    func gatewayMustHaveZeroRoutes(_ gateway: String) {
        guard case .array(let listeners)? = resource("Gateway", gateway)?["listeners"] else { return }
        for listener in listeners {
            if case .integer(let count)? = listener["attachedRoutes"], count != 0 {
                fail("Gateway \(gateway) listener \(listener["name"]?.string ?? ""): expected 0 attached routes, got \(count)")
            }
        }
    }

    /// Upstream's `TestWeightedDistribution`: 500 requests, 10 at a time; each backend's share
    /// within ±5% of its weight, and only backends with weight get traffic. Tried up to 10 times.
    func expectWeightedDistribution(_ gateway: GatewayAddress, _ base: ExpectedResponse, weights: [String: Double]) async {
        var last = ""
        for attempt in 1...10 {
            let pods = await withTaskGroup(of: [String].self) { group in
                for worker in 0..<10 {
                    group.addTask {
                        var seen: [String] = []
                        for index in stride(from: worker, to: 500, by: 10) {
                            var expected = base
                            expected.request.headers["X-Jitter"] = String(index)
                            seen.append(await self.pod(gateway, expected) ?? "error")
                        }
                        return seen
                    }
                }
                var all: [String] = []
                for await part in group { all += part }
                return all
            }
            var counts: [String: Int] = [:]
            for pod in pods {
                let backend = weights.keys.filter { pod.hasPrefix($0 + "-") }.max { $0.count < $1.count } ?? pod
                counts[backend, default: 0] += 1
            }
            var problems: [String] = []
            let active = weights.values.filter { $0 > 0 }.count
            if counts.count != active { problems.append("expected \(active) backends to receive traffic, got \(counts)") }
            for (backend, share) in weights {
                let got = Double(counts[backend] ?? 0) / 500
                if abs(got - share) > 0.05 { problems.append("backend \(backend) got \(got) of the traffic, expected \(share) ± 0.05") }
            }
            if problems.isEmpty { return }
            last = "attempt \(attempt): " + problems.joined(separator: "; ")
        }
        fail("weighted distribution: \(last)")
    }

    /// One request; the answering pod when it meets `expected`, else nil.
    private func pod(_ gateway: GatewayAddress, _ expected: ExpectedResponse) async -> String? {
        let (captured, mismatch) = await roundTrip(gateway, expected)
        return mismatch == nil ? captured?.echo?.pod : nil
    }

    /// Upstream's `GatewayAndHTTPRoutesMustBeAccepted`: every route has the Gateway (or the named
    /// listener) as an Accepted parent, every listener is Accepted, ResolvedRefs and Programmed;
    /// returns the Gateway's address (upstream's `gwAddr`, the first or named listener's port).
    func gatewayAndRoutesMustBeAccepted(_ gateway: String, listener: String? = nil, routes: [String], kind: String = "HTTPRoute") async throws -> GatewayAddress {
        for route in routes {
            routeMustHaveParents(route, [(gateway, listener, [ExpectedCondition("Accepted", "True", "Accepted")])], kind: kind)
        }
        gatewayListenersMustHaveConditions(gateway, [ExpectedCondition("ResolvedRefs", "True"), ExpectedCondition("Accepted", "True"), ExpectedCondition("Programmed", "True")])
        return try await address(gateway, listener: listener)
    }

    /// The Gateway's address without waiting for anything else (upstream: `WaitForGatewayAddress`).
    func address(_ gateway: String, listener: String? = nil) async throws -> GatewayAddress {
        let proxy: GatewayProxy
        do {
            proxy = try await environment.gateway(gateway)
        } catch {
            throw fatal("Gateway \(gateway) could not be started: \(error)")
        }
        var port = proxy.defaultPort
        if let listener, let document = environment.documents.first(where: { $0.kind == "Gateway" && "\($0.namespace)/\($0.name)" == gateway }),
           let item = (document.root["spec"]?["listeners"]?.items ?? []).first(where: { $0["name"]?.text == listener }),
           let value = item["port"]?.text.flatMap({ Int($0) }) {
            port = value
        }
        return GatewayAddress(proxy: proxy, gatewayPort: port)
    }

    /// Upstream's `GetTLSSecret(tls-validity-checks-certificate)`: the server certificate the HTTPS
    /// tests trust, as a PEM file in the environment's directory.
    func validityChecksCertificateFile() throws -> String {
        let url = environment.directory.appendingPathComponent("tls-validity-checks-certificate.pem")
        try SuiteSecrets.validityChecks.certificatePEM.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    // MARK: Traffic (upstream's MakeRequestAndExpectEventuallyConsistentResponse)

    /// Sends the request until `threshold` answers in a row meet the expectation, within `timeout`.
    /// The configuration is static and the Envoy already warm, so a correct answer comes at once;
    /// the retries only absorb a request that races the last push.
    func expect(_ gateway: GatewayAddress, _ expected: ExpectedResponse, threshold: Int = 3, timeout: Duration = .seconds(4)) async {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var inRow = 0
        var last = "no request sent"
        var attempts = 0
        while true {
            attempts += 1
            last = await roundTripMismatch(gateway, expected) ?? ""
            if last.isEmpty {
                inRow += 1
                if inRow >= threshold { return }
                continue
            }
            inRow = 0
            if ContinuousClock.now >= deadline { break }
            try? await Task.sleep(for: .milliseconds(100))
        }
        fail("\(expected.caseName): \(last) (after \(attempts) attempts)")
    }

    /// Upstream's `AwaitConvergence` around its WebSocket check: `threshold` successes in a row
    /// (a fresh connection each) within `timeout`.
    func expectWebSocketEcho(_ gateway: GatewayAddress, path: String, origin: String, threshold: Int = 3, timeout: Duration = .seconds(4)) async {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var inRow = 0
        var last = ""
        var attempts = 0
        while true {
            attempts += 1
            do {
                try await ConformanceHTTP.webSocketEcho(address: gateway.proxy.address, port: gateway.port, host: gateway.defaultHost, target: path, origin: origin)
                inRow += 1
                if inRow >= threshold { return }
                continue
            } catch {
                last = "\(error)"
            }
            inRow = 0
            if ContinuousClock.now >= deadline { break }
            try? await Task.sleep(for: .milliseconds(100))
        }
        fail("websocket connection to \(path) should reach backend: \(last) (after \(attempts) attempts)")
    }

    /// Several expectations at once, as upstream runs its `t.Parallel()` sub-tests.
    func expectAll(_ gateway: GatewayAddress, _ cases: [ExpectedResponse]) async {
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            for _ in 0..<min(8, cases.count) {
                let expected = cases[next]
                next += 1
                group.addTask { await self.expect(gateway, expected) }
            }
            while await group.next() != nil, next < cases.count {
                let expected = cases[next]
                next += 1
                group.addTask { await self.expect(gateway, expected) }
            }
        }
    }

    /// Upstream's `MakeRequestAndExpectFailure`: five answers in a row that are not 200 (nor a timeout).
    func expectFailure(_ gateway: GatewayAddress, _ request: ExpectedResponse.Request) async {
        var expected = ExpectedResponse(request: request)
        expected.response.statusCodes = Array(300...599).filter { $0 != 408 && $0 != 504 }
        await expect(gateway, expected, threshold: 5)
    }

    private func roundTripMismatch(_ gateway: GatewayAddress, _ expected: ExpectedResponse) async -> String? {
        await roundTrip(gateway, expected).mismatch
    }

    func roundTrip(_ gateway: GatewayAddress, _ expected: ExpectedResponse) async -> (captured: CapturedRoundTrip?, mismatch: String?) {
        let method = expected.request.method.isEmpty ? "GET" : expected.request.method
        let path = expected.request.path.isEmpty ? "/" : expected.request.path
        var headers: [(String, String)] = [("Host", expected.request.host.isEmpty ? gateway.defaultHost : expected.request.host), ("User-Agent", "Go-http-client/1.1")]
        for (name, value) in expected.request.headers.sorted(by: { $0.key < $1.key }) { headers.append((name, value)) }
        let setHeaders = expected.backendSetResponseHeaders.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
        headers.append(("X-Echo-Set-Header", setHeaders))
        do {
            let captured = if gateway.h2cPriorKnowledge {
                try await ConformanceHTTP.h2cRoundTrip(address: gateway.proxy.address, port: gateway.port, method: method, target: path, headers: headers)
            } else if let tls = gateway.tls {
                try await ConformanceHTTP.tlsRoundTrip(address: gateway.proxy.address, port: gateway.port, tls: tls, method: method, target: path, headers: headers)
            } else {
                try await ConformanceHTTP.roundTrip(address: gateway.proxy.address, port: gateway.port, method: method, target: path, headers: headers)
            }
            if gateway.tls?.clientCertificate != nil, captured.clientCertificateRequested != true {
                return (captured, "client certificate was not presented during the handshake")
            }
            return (captured, expected.mismatch(captured, sentPath: path, sentMethod: method))
        } catch {
            return (nil, "request failed: \(error)")
        }
    }
}

/// A Gateway's address as upstream's suite has it (`ip:port` from the Gateway's status), mapped
/// to where its Envoy listens here.
struct GatewayAddress: Sendable {
    var proxy: GatewayProxy
    /// The port written in the Gateway.
    var gatewayPort: Int
    /// Requests go over TLS (an HTTPS listener), else in clear text.
    var tls: ClientTLS?
    /// Requests go in clear text over HTTP/2 with prior knowledge (upstream's `H2CPriorKnowledgeProtocol`).
    var h2cPriorKnowledge = false
    /// Where that port listens on the loopback address.
    var port: Int { proxy.port(gatewayPort) }

    /// The Host header a request to the bare address carries: no port for 80 (upstream's `CalculateHost`).
    var defaultHost: String { gatewayPort == 80 ? proxy.address : "\(proxy.address):\(gatewayPort)" }

    /// The same Gateway at another of its ports.
    func at(port: Int) -> GatewayAddress { GatewayAddress(proxy: proxy, gatewayPort: port) }

    /// The same address, spoken to over HTTP/2 in clear text with prior knowledge.
    func h2c() -> GatewayAddress {
        var copy = self
        copy.h2cPriorKnowledge = true
        return copy
    }

    /// The same address over TLS: SNI `serverName`, the server certificate checked against
    /// `caFile`, and `clientCertificate` presented if the server asks for one.
    func https(serverName: String, caFile: String, http2: Bool = false, clientCertificate: ClientCertificateFiles? = nil) -> GatewayAddress {
        var copy = self
        copy.tls = ClientTLS(serverName: serverName, caFile: caFile, http2: http2, clientCertificate: clientCertificate)
        return copy
    }
}
