import EnvoyAPI
import Foundation
@testable import MeridianHistory
import MeridianLoad
import MeridianRuntime
import MeridianServe
import MeridianTestSupport
import Testing

/// What the cache serves as builds come and groups are pinned and unpinned, what each entry
/// says changed, and the ACKs and NACKs of a real ADS client.
@Suite("Snapshot history: recording, pins, changes, proxies", .timeLimit(.minutes(2)))
struct SnapshotHistoryTests {
    let group = HistoryInputs.group

    @Test("a pinned group keeps its snapshot while new builds are recorded; unpin serves the newest; the pin survives a restart")
    func pinAndUnpin() throws {
        let directory = try HistoryInputs.scratch("pin")
        let v1 = try HistoryInputs.snapshot(weights: (90, 10)), v2 = try HistoryInputs.snapshot(weights: (50, 50)), v3 = try HistoryInputs.snapshot(weights: (10, 90))
        // Each `do` is one run of serve: the state directory is released at its end.
        do {
            let cache = SnapshotCache()
            let history = try SnapshotHistory(stateDirectory: directory, cache: cache, logger: HistoryInputs.logger)
            #expect(throws: HistoryError.self, "a second serve on the same state directory is refused") {
                try SnapshotHistory(stateDirectory: directory, cache: SnapshotCache(), logger: HistoryInputs.logger)
            }
            history.record([group: v1], inputs: InputDigests())
            history.record([group: v2], inputs: InputDigests())
            #expect(cache.snapshots[group]?.version == v2.version)

            let outcome = try history.pin(version: String(v1.version.prefix(12)))
            #expect(outcome == SnapshotHistory.PinOutcome(group: group, version: v1.version, previous: v2.version))
            #expect(cache.snapshots[group]?.version == v1.version)

            let served = history.record([group: v3], inputs: InputDigests())
            #expect(served[group]?.version == v1.version, "a new build is not served while pinned")
            #expect(cache.snapshots[group]?.version == v1.version)
            let overview = try #require(history.overview.groups.first)
            #expect(overview.entries.map(\.version) == [v3.version, v2.version, v1.version])
            #expect(overview.entries[0].servedAt == nil, "recorded while pinned, never served")
            #expect(overview.live == v1.version)
            #expect(overview.latest == v3.version)
            #expect(overview.pin?.version == v1.version)
            #expect(history.pin(forProxyGroup: group)?.version == v1.version)
            #expect(history.pin(forProxyGroup: "other/gw")?.version == v1.version, "a proxy of no known group is served the only group")
        }
        // A restart: the pin is read back and served before any build.
        do {
            let restartedCache = SnapshotCache()
            let restarted = try SnapshotHistory(stateDirectory: directory, cache: restartedCache, logger: HistoryInputs.logger)
            #expect(restartedCache.snapshots[group]?.version == v1.version)
            restarted.record([group: v3], inputs: InputDigests())
            #expect(restartedCache.snapshots[group]?.version == v1.version)
            #expect(restarted.overview.groups.first?.entries.count == 3, "the same build after a restart is not a new entry")

            let unpinned = try restarted.unpin()
            #expect(unpinned == [group: v3.version])
            #expect(restartedCache.snapshots[group]?.version == v3.version)
            #expect(restarted.overview.groups.first?.entries.first?.servedAt != nil, "served from the unpin on")
            #expect(throws: HistoryError(.notPinned, "no group is pinned")) { try restarted.unpin() }
            #expect(throws: HistoryError(.notPinned, "group \(group) is not pinned")) { try restarted.unpin(group: group) }
            #expect(restarted.pin(forProxyGroup: group) == nil)
        }

        // Unpinned state is durable too.
        let third = SnapshotCache()
        _ = try SnapshotHistory(stateDirectory: directory, cache: third, logger: HistoryInputs.logger)
        #expect(third.snapshots.isEmpty, "nothing pinned: nothing is served before the first build")
    }

    @Test("refusals: unknown versions and groups, short or ambiguous prefixes, and pinning in memory only")
    func refusals() throws {
        let cache = SnapshotCache()
        let history = try SnapshotHistory(stateDirectory: nil, cache: cache, logger: HistoryInputs.logger)
        let v1 = try HistoryInputs.snapshot(weights: (90, 10)), v2 = try HistoryInputs.snapshot(weights: (50, 50))
        history.record(["ns/one": v1, "ns/two": v1], inputs: InputDigests())
        history.record(["ns/one": v2, "ns/two": v1], inputs: InputDigests())
        #expect(throws: HistoryError.self) { try history.pin(version: "ffff") }
        #expect(throws: HistoryError.self) { try history.pin(version: String(v1.version.prefix(3))) }
        do {
                _ = try history.pin(version: v1.version)
                Issue.record("pinning a version two groups have needs a group")
            } catch {
                #expect(error.code == .ambiguousGroup)
        }
        do {
                _ = try history.pin(version: v2.version, group: "ns/two")
                Issue.record("ns/two never had v2")
            } catch {
                #expect(error.code == .unknownGroup)
        }
        let outcome = try history.pin(version: v1.version, group: "ns/one")
        #expect(outcome.previous == v2.version)
        #expect(cache.snapshots["ns/one"]?.version == v1.version)
        #expect(cache.snapshots["ns/two"]?.version == v1.version)
        #expect(history.overview.stateDirectory == nil)
    }

    @Test("changes name the files and objects added, removed and changed since the previous entry")
    func changes() throws {
        let directory = try HistoryInputs.scratch("changes")
        let config = directory + "/config"
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        func write(_ name: String, _ text: String) throws { try text.write(toFile: config + "/" + name, atomically: true, encoding: .utf8) }
        func build() -> ConfigurationBuild { ConfigurationPipeline.build(paths: [config], options: HistoryInputs.options) }
        var history: SnapshotHistory? = try SnapshotHistory(stateDirectory: directory + "/state", cache: SnapshotCache(), logger: HistoryInputs.logger)
        func record(_ build: ConfigurationBuild) { history!.record(build.snapshots, inputs: build.loaded.digests) }

        try write("routes.yaml", HistoryInputs.yaml(weights: (90, 10)))
        record(build())
        // Reformatted and commented: the same objects; only the file changed, and the version did not.
        try write("routes.yaml", "# a comment\n" + HistoryInputs.yaml(weights: (90, 10)).replacingOccurrences(of: "{name: a, port: 80, weight: 90}", with: "{port: 80, name: a, weight: 90}"))
        record(build())
        #expect(history!.overview.groups[0].entries.count == 1, "the same version is not a new entry")
        // A weight and a new Namespace in a new file.
        try write("routes.yaml", HistoryInputs.yaml(weights: (50, 50)))
        try write("namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns}\n")
        record(build())
        let second = try #require(history!.overview.groups.first?.entries.first)
        #expect(second.changes.baselineKnown)
        #expect(second.changes.files == NameChanges(added: [config + "/namespace.yaml"], changed: [config + "/routes.yaml"]))
        #expect(second.changes.objects == NameChanges(added: ["Namespace ns"], changed: ["HTTPRoute ns/split"]))

        try FileManager.default.removeItem(atPath: config + "/namespace.yaml")
        try write("routes.yaml", HistoryInputs.yaml(weights: (50, 50), path: "/b"))
        record(build())
        // A restart in between: the digests of the last entry are read back from inputs.json.
        history = nil
        let restarted = try SnapshotHistory(stateDirectory: directory + "/state", cache: SnapshotCache(), logger: HistoryInputs.logger)
        try write("routes.yaml", HistoryInputs.yaml(weights: (50, 50), path: "/c"))
        let last = build()
        restarted.record(last.snapshots, inputs: last.loaded.digests)
        let entries = try #require(restarted.overview.groups.first?.entries)
        #expect(entries[1].changes.files == NameChanges(removed: [config + "/namespace.yaml"], changed: [config + "/routes.yaml"]))
        #expect(entries[1].changes.objects == NameChanges(removed: ["Namespace ns"], changed: ["HTTPRoute ns/split"]))
        #expect(entries[0].changes.baselineKnown)
        #expect(entries[0].changes.objects == NameChanges(changed: ["HTTPRoute ns/split"]))
        let first = try #require(entries.last)
        #expect(!first.changes.baselineKnown)
        #expect(first.changes.objects.added.contains("Gateway ns/gw"))
        #expect(first.changes.objects.added.contains("GatewayClass meridian"))
    }

    @Test("a real ADS client's ACK and NACK are noted in the entry of the version")
    func proxyOutcomes() async throws {
        let cache = SnapshotCache()
        let server = XDSServer(cache: cache)
        let port = try server.start(address: "127.0.0.1:0")
        let history = try SnapshotHistory(stateDirectory: try HistoryInputs.scratch("acks"), cache: cache, logger: HistoryInputs.logger)
        let v1 = try HistoryInputs.snapshot(weights: (90, 10)), v2 = try HistoryInputs.snapshot(weights: (50, 50))
        history.record([group: v1], inputs: InputDigests())

        let client = try await XDSTestClient(port: port)
        try await client.send(DiscoveryRequest(node: Node(id: "proxy-1", cluster: group), typeURL: ResourceType.cluster.typeURL))
        let first = try #require(await client.next())
        #expect(first.versionInfo == v1.version)
        try await client.send(DiscoveryRequest(versionInfo: first.versionInfo, typeURL: ResourceType.cluster.typeURL, responseNonce: first.nonce))
        #expect(await eventually { server.proxies.proxies.first?.types[.cluster]?.acknowledgedVersion == v1.version })
        try await client.send(DiscoveryRequest(resourceNames: ["http-18080"], typeURL: ResourceType.route.typeURL))
        let routes = try #require(await client.next())

        history.record([group: v2], inputs: InputDigests())
        let second = try #require(await client.next())
        #expect(second.versionInfo == v2.version)
        try await client.send(DiscoveryRequest(
            versionInfo: routes.versionInfo, resourceNames: ["http-18080"], typeURL: ResourceType.route.typeURL, responseNonce: second.nonce,
            errorDetail: .init(code: 3, message: "route http-18080: weights do not add up")
        ))
        #expect(await eventually { !server.proxies.rejections.isEmpty })

        history.observe(server.proxies)
        history.observe(server.proxies)  // a second look adds nothing
        let entries = try #require(history.overview.groups.first?.entries)
        #expect(entries[1].version == v1.version)
        #expect(entries[1].proxies.acked.map(\.node) == ["proxy-1"])
        #expect(entries[1].proxies.nacked.isEmpty)
        #expect(entries[0].proxies.nacked.map(\.node) == ["proxy-1"])
        #expect(entries[0].proxies.nacked.first?.type == "RouteConfiguration")
        #expect(entries[0].proxies.nacked.first?.error == "route http-18080: weights do not add up")
        #expect(!entries[0].proxies.acked.contains { $0.node == "proxy-1" }, "a NACKed version is not ACKed")
        await client.close()
        await server.shutdown()
    }
}
