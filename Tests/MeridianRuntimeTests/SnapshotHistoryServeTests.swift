import Foundation
import MeridianRuntime
import MeridianTestSupport
import Testing

/// Snapshot history through the real `meridian serve` with `--state-dir`, a real Envoy and
/// loopback backends: versions and their diffs, a restart that serves the same version,
/// rollback and unpin proven by where traffic goes, and `kill -9` while history is written.
@Suite("Snapshot history with meridian serve and Envoy", .serialized, .timeLimit(.minutes(5)))
struct SnapshotHistoryServeTests {
    @Test("three edits give three new versions, each with its input changes and a correct diff")
    func threeEdits() async throws {
        let fixture = try await ServeFixture("history-edits", backendNames: ["a", "b", "c"], routes: weightedRoute([("a", 80), ("b", 20)]), keepsHistory: true)
        defer { fixture.stop() }
        let admin = AdminAPI(fixture: fixture)
        var versions = [try #require(fixture.expectedVersion())]
        #expect(await admin.waitForLive(versions[0]), "\(fixture.meridianLog)")

        let routesPath = fixture.configDirectory.appendingPathComponent("routes.yaml").path
        let extraPath = fixture.configDirectory.appendingPathComponent("extra.yaml").path
        try fixture.writeRoutes(weightedRoute([("a", 50), ("b", 50)]))
        versions.append(try #require(fixture.expectedVersion()))
        #expect(await admin.waitForLive(versions[1]))
        try fixture.writeRoutes(weightedRoute([("a", 50), ("b", 50)]) + """
                - matches: [{path: {type: PathPrefix, value: /extra}}]
                  backendRefs: [{name: b, port: 80}]

            """)
        versions.append(try #require(fixture.expectedVersion()))
        #expect(await admin.waitForLive(versions[2]))
        try fixture.write("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: extra, namespace: ns}
            spec:
              parentRefs: [{name: gw}]
              rules: [{matches: [{path: {type: PathPrefix, value: /c}}], backendRefs: [{name: c, port: 80}]}]

            """, to: "extra.yaml")
        versions.append(try #require(fixture.expectedVersion()))
        #expect(await admin.waitForLive(versions[3]))
        #expect(Set(versions).count == 4)
        // Envoy serves the newest: the route added last answers from c.
        #expect(await eventually { await fixture.request(path: "/c/x")?.backend == "c" })
        #expect(await eventually { await fixture.request(path: "/extra")?.backend == "b" })

        let group = try await admin.group()
        let entries = try #require(group["entries"] as? [[String: Any]])
        #expect(entries.map { $0["version"] as? String } == versions.reversed().map { $0 as String? })
        #expect(entries.map { $0["live"] as? Bool } == [true, false, false, false])
        func changes(_ index: Int, _ kind: String) -> [String: [String]] {
            let value = ((entries[index]["changes"] as? [String: Any])?[kind] as? [String: Any]) ?? [:]
            return value.compactMapValues { $0 as? [String] }.filter { !$0.value.isEmpty }
        }
        #expect(changes(2, "files") == ["changed": [routesPath]])
        #expect(changes(2, "objects") == ["changed": ["HTTPRoute ns/split"]])
        #expect(changes(1, "objects") == ["changed": ["HTTPRoute ns/split"]])
        #expect(changes(0, "files") == ["added": [extraPath]])
        #expect(changes(0, "objects") == ["added": ["HTTPRoute ns/extra"]])

        // Edit 1: only the weights of the one route table.
        let first = try await admin.json("/snapshots/\(versions[0])/diff/\(versions[1])")
        let routeTable = "http-\(fixture.listenerPort)"
        #expect(Self.names(first["changed"]) == ["RouteConfiguration \(routeTable)"])
        #expect(Self.names(first["added"]).isEmpty && Self.names(first["removed"]).isEmpty)
        let weights = try #require(((first["changed"] as? [[String: Any]])?.first?["diff"]) as? String)
        #expect(Self.lines(weights, "-").map(Self.squeezed) == ["weight: 80", "weight: 20"], "\(weights)")
        #expect(Self.lines(weights, "+").map(Self.squeezed) == ["weight: 50", "weight: 50"], "\(weights)")
        // Edit 2: a new route in the same table.
        let second = try await admin.json("/snapshots/\(versions[1])/diff/\(versions[2])")
        #expect(Self.names(second["changed"]) == ["RouteConfiguration \(routeTable)"])
        let added = try #require(((second["changed"] as? [[String: Any]])?.first?["diff"]) as? String)
        #expect(Self.lines(added, "-").isEmpty)
        #expect(Self.lines(added, "+").contains { $0.contains("\"/extra\"") }, "\(added)")
        // Edit 3: a new backend's cluster and load assignment, and the route to it.
        let third = try await admin.json("/snapshots/\(versions[2])/diff/\(versions[3])")
        #expect(Self.names(third["added"]) == ["Cluster ns/c:80", "ClusterLoadAssignment ns/c:80"])
        #expect(Self.names(third["changed"]) == ["RouteConfiguration \(routeTable)"])
        #expect(Self.names(third["removed"]).isEmpty)

        // The text form is the unified diff, and `meridian snapshots diff` prints it.
        let text = try await admin.text("/snapshots/\(versions[0])/diff/\(versions[1])")
        #expect(text.hasPrefix("--- \(versions[0].prefix(12))/RouteConfiguration/\(routeTable)\n+++ \(versions[1].prefix(12))/RouteConfiguration/\(routeTable)\n@@ "))
        let cli = try admin.cli(["diff", String(versions[0].prefix(12)), String(versions[1].prefix(12))])
        #expect(cli.status == 0)
        #expect(cli.output == text)
        // The Envoy ACKed the live version.
        #expect(await eventually(timeout: .seconds(10)) {
            let live = try? await admin.group()["entries"] as? [[String: Any]]
            return ((live?.first?["acked"] as? [[String: Any]]) ?? []).contains { $0["node"] as? String == "envoy-history-edits" }
        })
    }

    @Test("a restart on the same state directory keeps the history and serves the same version: Envoy gets no new configuration")
    func restartKeepsVersion() async throws {
        let fixture = try await ServeFixture("history-restart", backendNames: ["a", "b"], routes: weightedRoute([("a", 1)]), keepsHistory: true)
        defer { fixture.stop() }
        let admin = AdminAPI(fixture: fixture)
        try fixture.writeRoutes(weightedRoute([("b", 1)]))
        let version = try #require(fixture.expectedVersion())
        #expect(await admin.waitForLive(version))
        #expect(await eventually { await fixture.request()?.backend == "b" })
        #expect(await admin.waitForAcked(version))
        let before = try await admin.group()
        // What a new version would change in Envoy: listeners, clusters, route tables, reloads.
        // Versions are per snapshot, not per type (issue 9), so on reconnecting Envoy is sent
        // again, and finds identical: a listener whose content the last edit did not change
        // (it carries the previous version, which it presents), and the route tables it asks
        // by name (the version does not say which names it holds). `lds.update_success` and
        // `rds.update_success` count those; nothing is added, modified or reloaded.
        let changes = "(listener_added|listener_modified|listener_removed|cluster_added|cluster_modified|cluster_removed|config_reload|cds.update_success)"
        let changesBefore = try await fixture.envoy.stats(matching: changes)
        let appliedBefore = try await fixture.envoy.appliedConfiguration()

        try fixture.restartMeridian()
        #expect(await admin.waitForAcked(version), "Envoy reconnected, presenting the same version: \(fixture.meridianLog)")
        let after = try await admin.group()
        #expect(after["live"] as? String == version)
        #expect(Self.entryIdentities(after) == Self.entryIdentities(before), "the same entries: none lost, none added")
        try await Task.sleep(for: .milliseconds(500))
        let changesAfter = try await fixture.envoy.stats(matching: changes)
        #expect(!changesBefore.isEmpty)
        #expect(changesAfter == changesBefore, "Envoy changed: \(changesAfter.filter { changesBefore[$0.key] != $0.value }) was \(changesBefore)")
        let appliedAfter = try await fixture.envoy.appliedConfiguration()
        #expect(appliedAfter.clusterVersion == version && appliedBefore.clusterVersion == version)
        #expect(appliedAfter.routeVersions == appliedBefore.routeVersions)
        #expect(appliedAfter.listenerNames == appliedBefore.listenerNames)
        #expect(fixture.meridianLog.contains("history loaded"))
        #expect(await fixture.request()?.backend == "b")
    }

    @Test("rollback serves the old routing until unpin, visible in /snapshots, /proxies, logs and metrics; the pin survives kill -9")
    func rollbackAndUnpin() async throws {
        let fixture = try await ServeFixture("history-rollback", backendNames: ["a", "b", "c"], routes: weightedRoute([("a", 1)]), keepsHistory: true)
        defer { fixture.stop() }
        let admin = AdminAPI(fixture: fixture)
        let first = try #require(fixture.expectedVersion())
        #expect(await admin.waitForLive(first))
        try fixture.writeRoutes(weightedRoute([("b", 1)]))
        let second = try #require(fixture.expectedVersion())
        #expect(await admin.waitForLive(second))
        #expect(await eventually { await fixture.request()?.backend == "b" })

        let rollback = try admin.cli(["rollback", "--to", String(first.prefix(12))])
        #expect(rollback.status == 0, "\(rollback.output)")
        #expect(rollback.output.contains("pinned to \(first)"))
        #expect(await eventually { await fixture.distribution(count: 16) == ["a": 16] }, "Envoy serves the pinned version's routing")

        // An edit while pinned is recorded, not served.
        try fixture.writeRoutes(weightedRoute([("c", 1)]))
        let third = try #require(fixture.expectedVersion())
        #expect(await eventually { (try? await admin.group()["latest"] as? String) == third })
        try await Task.sleep(for: .milliseconds(300))
        #expect(await fixture.distribution(count: 16) == ["a": 16])
        var group = try await admin.group()
        #expect(group["live"] as? String == first)
        #expect((group["pinned"] as? [String: Any])?["version"] as? String == first)
        let newest = try #require((group["entries"] as? [[String: Any]])?.first)
        #expect(newest["version"] as? String == third)
        #expect(newest["served_at"] is NSNull, "never served")
        let proxies = try #require(try await admin.any("/proxies") as? [[String: Any]])
        #expect((proxies.first?["pinned"] as? [String: Any])?["version"] as? String == first)
        let metrics = try await admin.text("/metrics")
        #expect(metrics.contains("meridian_group_pinned{group=\"ns/gw\"} 1"))
        let versionInfo = metrics.split(separator: "\n").filter { $0.hasPrefix("meridian_snapshot_info{") }
        #expect(versionInfo.count == 1 && versionInfo.first?.contains("version=\"\(first)\"") == true, "the served version, not the newest build: \(versionInfo)")
        #expect(fixture.meridianLog.contains("group pinned"))
        #expect(fixture.meridianLog.contains("the new version is recorded, not served"))

        // A crash does not unpin.
        try fixture.restartMeridian(kill: true)
        #expect(await admin.waitForLive(first))
        #expect(fixture.meridianLog.contains("group is pinned"))
        #expect(await fixture.distribution(count: 16) == ["a": 16])

        let unpin = try admin.cli(["unpin"])
        #expect(unpin.status == 0, "\(unpin.output)")
        #expect(await eventually { await fixture.distribution(count: 16) == ["c": 16] }, "unpin serves the newest build")
        group = try await admin.group()
        #expect(group["live"] as? String == third)
        #expect(group["pinned"] is NSNull)
        #expect(try await admin.text("/metrics").contains("meridian_group_pinned{group=\"ns/gw\"} 0"))

        // The CLI talks to the admin API directly, whatever proxy the environment names
        // (libcurl, under URLSession, would send even 127.0.0.1 through it).
        let proxied = ["http_proxy": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "all_proxy": "http://127.0.0.1:9"]
        #expect(try admin.cli(["list"], environment: proxied).status == 0)
        #expect(try admin.cli([], verb: "status", environment: proxied).status == 0)

        // Refusals exit 1, an unreachable server 2.
        #expect(try admin.cli(["unpin"]).status == 1)
        #expect(try admin.cli(["rollback", "--to", "0123456789ab"]).status == 1)
        #expect(try admin.cli(["list"], address: "127.0.0.1:\(try freeLoopbackPort())").status == 2)
    }

    @Test("kill -9 while history is written, again and again: every entry left is intact")
    func killNineWhileWriting() async throws {
        // Large snapshots (401 routes), so that writing one takes a while.
        func routes(_ weight: Int) -> String {
            weightedRoute([("a", weight), ("b", 1)]) + (0..<25).map { route in
                "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r\(route), namespace: ns}\nspec:\n  parentRefs: [{name: gw}]\n  rules:\n"
                    + (0..<16).map { "    - matches: [{path: {type: PathPrefix, value: /p\(route)-\($0)}}]\n      backendRefs: [{name: a, port: 80}]\n" }.joined()
            }.joined()
        }
        let fixture = try await ServeFixture("history-kill", backendNames: ["a", "b"], routes: routes(1), keepsHistory: true, serveArguments: ["--log-level", "info"])
        defer { fixture.stop() }
        let admin = AdminAPI(fixture: fixture)
        var expected: Set<String> = [try #require(fixture.expectedVersion())]
        #expect(await admin.waitForLive(expected.first!))
        var generator = SystemRandomNumberGenerator()
        var weight = 1
        for cycle in 0..<4 {
            let killAt = ContinuousClock.now + .milliseconds(Int.random(in: 300...1_200, using: &generator))
            while ContinuousClock.now < killAt {
                weight += 1
                try fixture.writeRoutes(routes(weight))
                expected.insert(try #require(fixture.expectedVersion()))
                try await Task.sleep(for: .milliseconds(Int.random(in: 30...80, using: &generator)))
            }
            try fixture.restartMeridian(kill: true)
            #expect(await eventually(timeout: .seconds(20)) { (try? await admin.group()) != nil }, "cycle \(cycle): \(fixture.meridianLog)")
            let log = fixture.meridianLog
            #expect(!log.contains("set aside") && !log.contains("not readable") && !log.contains("unpinned"), "cycle \(cycle): \(log)")
            let entries = try #require(try await admin.group()["entries"] as? [[String: Any]])
            #expect(entries.count >= 2 + cycle, "cycle \(cycle): edits were recorded")
            for entry in entries {
                let version = try #require(entry["version"] as? String)
                #expect(expected.contains(version), "cycle \(cycle): \(version) is a version the files had")
                let dump = try await admin.json("/snapshots/\(version)?type=lds")
                let sections = dump["configs"] as? [[String: Any]]
                #expect(sections?.first?["version_info"] as? String == version, "cycle \(cycle): snapshot \(version) reads back whole")
            }
        }
        let state = try #require(fixture.stateDirectory)
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: state.path).filter { $0.contains(".tmp-") || $0.hasSuffix(".corrupt") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    // MARK: Helpers

    /// `Type name` of each resource a diff lists.
    static func names(_ value: Any?) -> [String] {
        ((value as? [[String: Any]]) ?? []).map { "\($0["type"] as? String ?? "?") \($0["name"] as? String ?? "?")" }
    }

    /// The changed lines of a unified diff with `sign`, without it.
    static func lines(_ diff: String, _ sign: String) -> [String] {
        diff.split(separator: "\n").map(String.init).filter { $0.hasPrefix(sign) && !$0.hasPrefix(sign + sign + sign) }.map { String($0.dropFirst()) }
    }

    static func squeezed(_ line: String) -> String { line.trimmingCharacters(in: .whitespaces) }

    static func entryIdentities(_ group: [String: Any]) -> [String] {
        ((group["entries"] as? [[String: Any]]) ?? []).map { "\($0["sequence"] ?? "") \($0["version"] ?? "") \($0["recorded_at"] ?? "")" }
    }
}

/// `serve`'s admin API as the tests use it: JSON and text over HTTP, and the `meridian
/// snapshots` command.
struct AdminAPI {
    let fixture: ServeFixture

    func any(_ path: String) async throws -> Any {
        let response = try await HTTPProbe.send(port: fixture.adminPort, path: path, host: "127.0.0.1")
        guard response.status == 200 else { throw FixtureError("\(path) answered \(response.status): \(response.body)") }
        return try JSONSerialization.jsonObject(with: Data(response.body.utf8))
    }

    func json(_ path: String) async throws -> [String: Any] {
        guard let object = try await any(path) as? [String: Any] else { throw FixtureError("\(path) is not a JSON object") }
        return object
    }

    func text(_ path: String) async throws -> String {
        let response = try await HTTPProbe.send(port: fixture.adminPort, path: path + (path.contains("?") ? "&" : "?") + "format=text", host: "127.0.0.1")
        guard response.status == 200 else { throw FixtureError("\(path) answered \(response.status): \(response.body)") }
        return response.body
    }

    /// The fixture's group in `/snapshots`.
    func group() async throws -> [String: Any] {
        let groups = try await json("/snapshots")["groups"] as? [[String: Any]] ?? []
        guard let group = groups.first(where: { $0["group"] as? String == ServeFixture.group }) else { throw FixtureError("no group \(ServeFixture.group) in /snapshots") }
        return group
    }

    func waitForLive(_ version: String) async -> Bool {
        await eventually(timeout: .seconds(20)) { (try? await group()["live"] as? String) == version }
    }

    /// Until the fixture's Envoy is connected with `version` ACKed (or presented on
    /// connecting) for some type and nothing NACKed. Types whose content did not change
    /// keep the version that last changed them.
    func waitForAcked(_ version: String) async -> Bool {
        await eventually(timeout: .seconds(20)) {
            guard let proxies = try? await any("/proxies") as? [[String: Any]], let proxy = proxies.first,
                  let types = proxy["types"] as? [[String: Any]] else { return false }
            return types.contains { $0["version_acked"] as? String == version } && !types.contains { $0["state"] as? String == "NACKED" }
        }
    }

    /// `meridian VERB ARGS --admin-address ...` (VERB `snapshots` unless given): exit status
    /// and output (standard output and error together), with `environment` added.
    func cli(_ arguments: [String], verb: String = "snapshots", address: String? = nil, environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try ServeFixture.meridianBinary
        process.arguments = [verb] + arguments + ["--admin-address", address ?? "127.0.0.1:\(fixture.adminPort)"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
