import Foundation
import KubernetesAPIStandIn
import MeridianServe
import MeridianTestSupport
import Testing

/// Several `meridian serve --source kubernetes` replicas on one stand-in: one leader writes
/// status and hands over cleanly or by expiry; every replica serves the same versions, so an
/// Envoy whose replica dies moves to another and is sent nothing it has.
@Suite("meridian serve --source kubernetes as several replicas", .serialized, .timeLimit(.minutes(3)))
struct KubernetesReplicasEndToEndTests {
    static func holder(_ standIn: KubernetesAPIStandIn) -> String? {
        (KubernetesServeFixture.tree(standIn, KubernetesServeFixture.leases, key: "meridian/meridian-status")?["spec"] as? [String: Any])?["holderIdentity"] as? String
    }

    static func observedGeneration(_ standIn: KubernetesAPIStandIn) -> Int? {
        let status = KubernetesServeFixture.tree(standIn, KubernetesServeFixture.routes, key: "ns/r")?["status"] as? [String: Any]
        let conditions = (status?["parents"] as? [[String: Any]])?.first?["conditions"] as? [[String: Any]]
        return (conditions?.first?["observedGeneration"] as? NSNumber)?.intValue
    }

    @Test("two replicas elect one leader; on a clean stop the other takes over at once, on a crash within the Lease duration")
    func leaderElection() async throws {
        let directory = try RepositoryPaths.makeScratchDirectory("kubernetes-leases")
        defer { try? FileManager.default.removeItem(at: directory) }
        let standIn = KubernetesAPIStandIn()
        let (apiPort, server) = try await standIn.start()
        defer { server.cancel() }
        try KubernetesServeFixture.cluster(standIn, listenerPort: try freeListenerPort(), backends: [("a", 1)])
        try standIn.put(KubernetesServeFixture.routes, json: KubernetesServeFixture.route(to: "a"))
        let kubeconfig = try KubernetesServeFixture.kubeconfig(in: directory, server: "http://127.0.0.1:\(apiPort)", token: standIn.token)
        // An 8 s Lease: read and renewed every 1.07 s, given up after 5.33 s without renewal. Long
        // enough that a hand-over by release (within a read) and by expiry (8 s) cannot be confused
        // on a loaded machine.
        func replica(_ identity: String) throws -> ChildProcess {
            try KubernetesServeFixture.serve(kubeconfig: kubeconfig, in: directory, log: "\(identity).log",
                                             arguments: ["--lease-namespace", "meridian", "--lease-identity", identity, "--lease-duration", "8"]).0
        }
        var replicas = ["one": try replica("one"), "two": try replica("two")]
        defer { for process in replicas.values { process.stop() } }

        #expect(await eventually(timeout: .seconds(10)) { Self.holder(standIn) != nil && Self.observedGeneration(standIn) == 1 })
        let first = try #require(Self.holder(standIn))
        let second = first == "one" ? "two" : "one"
        // Only the leader writes status.
        #expect(replicas[first]!.output.contains("status written"))
        #expect(!replicas[second]!.output.contains("status written"), "the replica that does not lead wrote status")
        #expect(!replicas[second]!.output.contains("leading: this replica writes status"))

        // A clean stop (SIGTERM) gives the Lease up: the other takes it at its next try.
        let stopped = ContinuousClock.now
        replicas[first]!.stop()
        #expect(await eventually(timeout: .seconds(8)) { Self.holder(standIn) == second })
        let handOver = ContinuousClock.now - stopped
        #expect(handOver < .seconds(4), "hand-over after a clean stop took \(handOver) (Lease 8 s)")
        #expect(replicas[first]!.output.contains("gave up the leader Lease"))
        // The new leader writes status.
        try standIn.put(KubernetesServeFixture.routes, json: KubernetesServeFixture.route(to: "a", path: "/two"))
        #expect(await eventually(timeout: .seconds(10)) { Self.observedGeneration(standIn) == 2 }, "the new leader wrote no status")

        // A crash (SIGKILL) gives nothing up: the waiting replica takes over once the Lease has
        // gone unrenewed for its duration, by its own clock.
        replicas[first] = try replica(first)
        try await Task.sleep(for: .seconds(1))
        #expect(Self.holder(standIn) == second, "a replica took a Lease that was renewed")
        let killed = ContinuousClock.now
        kill(replicas[second]!.processIdentifier, SIGKILL)
        #expect(await eventually(timeout: .seconds(16)) { Self.holder(standIn) == first })
        let takeOver = ContinuousClock.now - killed
        #expect(takeOver > .seconds(5) && takeOver < .seconds(12), "take-over after a crash took \(takeOver) (Lease 8 s)")
        try standIn.put(KubernetesServeFixture.routes, json: KubernetesServeFixture.route(to: "a", path: "/three"))
        #expect(await eventually(timeout: .seconds(10)) { Self.observedGeneration(standIn) == 3 }, "the leader after the crash wrote no status")
        print("lease hand-over: clean stop \(handOver), crash \(takeOver) (Lease 8 s)")
    }

    @Test("two replicas serve the same versions to two Envoys; an Envoy whose replica dies resyncs with the other and is sent nothing it has")
    func sameVersions() async throws {
        let directory = try RepositoryPaths.makeScratchDirectory("kubernetes-replicas")
        defer { try? FileManager.default.removeItem(at: directory) }
        let standIn = KubernetesAPIStandIn()
        let (apiPort, server) = try await standIn.start()
        defer { server.cancel() }
        let backend = try await LoopbackBackend(name: "a", directory: directory)
        defer { backend.stop() }
        let listenerPort = try freeListenerPort()
        try KubernetesServeFixture.cluster(standIn, listenerPort: listenerPort, backends: [("a", backend.port)])
        try standIn.put(KubernetesServeFixture.routes, json: KubernetesServeFixture.route(to: "a"))
        let kubeconfig = try KubernetesServeFixture.kubeconfig(in: directory, server: "http://127.0.0.1:\(apiPort)", token: standIn.token)
        var replicas: [ChildProcess] = []
        var ports: [ServeLogPorts.Ports] = []
        defer { for process in replicas { process.stop() } }
        for identity in ["one", "two"] {
            let (process, port) = try KubernetesServeFixture.serve(kubeconfig: kubeconfig, in: directory, log: "\(identity).log",
                                                                   arguments: ["--lease-namespace", "meridian", "--lease-identity", identity])
            replicas.append(process)
            ports.append(port)
        }

        // Envoy 1 may reach either replica (as through a Service); Envoy 2 only the one Envoy 1 did not pick.
        // The listener port is shared: Envoy 1 serves traffic, Envoy 2 only holds configuration.
        func bootstrap(_ node: String, xds: [Int]) -> String {
            var yaml = EnvoyBootstrap(xdsHost: "127.0.0.1", xdsPort: xds[0], proxyGroup: "ns/gw", nodeID: node, adminPort: 0, xdsProtocol: .delta).yaml
            for port in xds.dropFirst() {
                let endpoint = "socket_address: { address: \"127.0.0.1\", port_value: \(xds[0]) }\n"
                let indent = String(repeating: " ", count: 14)
                let added = "\(indent)- endpoint:\n\(indent)    address:\n\(indent)      socket_address: { address: \"127.0.0.1\", port_value: \(port) }\n"
                yaml = yaml.replacingOccurrences(of: endpoint, with: endpoint + added)
            }
            return yaml
        }
        for node in ["envoy-1", "envoy-2"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(node), withIntermediateDirectories: true)
        }
        let first = try await EnvoyProcess(bootstrapYAML: bootstrap("envoy-1", xds: ports.map(\.xds)), directory: directory.appendingPathComponent("envoy-1"))
        defer { first.stop() }
        #expect(await eventually(timeout: .seconds(20)) { await HTTPProbe.trySend(port: listenerPort)?.status == 200 }, "Envoy 1 never served:\n\(first.log)")
        func connected(_ node: String, to replica: Int) async -> Bool {
            guard let response = try? await HTTPProbe.send(port: ports[replica].admin, path: "/proxies", host: "127.0.0.1"),
                  let proxies = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [[String: Any]] else { return false }
            // Synced: every type it holds acknowledged (types it does not subscribe to are NOT_SENT).
            return proxies.contains { proxy in
                let states = ((proxy["types"] as? [[String: Any]]) ?? []).map { $0["state"] as? String ?? "" }
                return proxy["node_id"] as? String == node && states.contains("SYNCED") && Set(states).isSubset(of: ["SYNCED", "NOT_SENT"])
            }
        }
        var home = -1
        #expect(await eventually(timeout: .seconds(10)) {
            for replica in 0..<2 where await connected("envoy-1", to: replica) { home = replica; return true }
            return false
        })
        var proxies: [String] = []
        for replica in 0..<2 { proxies.append((try? await HTTPProbe.send(port: ports[replica].admin, path: "/proxies", host: "127.0.0.1"))?.body ?? "-") }
        try #require(home >= 0, "Envoy 1 is on neither replica: \(proxies)")
        let other = 1 - home
        // Envoy 2 binds the same listener port: Envoy's listeners are opened with SO_REUSEPORT.
        let second = try await EnvoyProcess(bootstrapYAML: bootstrap("envoy-2", xds: [ports[other].xds]), directory: directory.appendingPathComponent("envoy-2"))
        defer { second.stop() }
        #expect(await eventually(timeout: .seconds(20)) { await connected("envoy-2", to: other) }, "Envoy 2 never synced:\n\(second.log)")

        let one = try await first.appliedConfiguration()
        let two = try await second.appliedConfiguration()
        #expect(one.clusterVersion != nil && one.clusterVersion == two.clusterVersion, "\(one.clusterVersion ?? "-") vs \(two.clusterVersion ?? "-")")
        #expect(one.listenerVersion == two.listenerVersion)
        #expect(!one.routeVersions.isEmpty && one.routeVersions == two.routeVersions)

        // Envoy 1's replica dies: Envoy reconnects, to the other, presenting what it holds.
        let changes = "(listener_added|listener_modified|listener_removed|cluster_added|cluster_modified|cluster_removed|update_success|config_reload)"
        // The xDS cluster's own DNS refreshes count `update_success` too: not configuration.
        let stats = { try await first.stats(matching: changes).filter { !$0.key.hasPrefix("cluster.meridian_xds.") } }
        let before = try await stats()
        let killed = ContinuousClock.now
        kill(replicas[home].processIdentifier, SIGKILL)
        let reached = await eventually(timeout: .seconds(30)) { await connected("envoy-1", to: other) }
        let seen = (try? await HTTPProbe.send(port: ports[other].admin, path: "/proxies", host: "127.0.0.1"))?.body ?? "-"
        #expect(reached, "Envoy 1 never synced with the other replica: \(seen)\n\(first.log.suffix(2_000))")
        let moved = ContinuousClock.now - killed
        try await Task.sleep(for: .milliseconds(500))
        let after = try await stats()
        #expect(!before.isEmpty)
        #expect(after == before, "Envoy was sent configuration again: \(after.filter { before[$0.key] != $0.value }) was \(before)")
        #expect(await HTTPProbe.trySend(port: listenerPort)?.status == 200)
        print("an Envoy whose replica died was synced with the other after \(moved)")
    }
}
