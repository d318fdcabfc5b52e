import Foundation
import MeridianTestSupport
import Testing

/// `serve` as a `ServiceGroup`: SIGHUP reloads at once, SIGTERM drains and exits cleanly;
/// `--version` answers.
@Suite("serve's lifecycle", .timeLimit(.minutes(2)))
struct ServeLifecycleTests {
    @Test("SIGHUP reloads without a file change; SIGTERM ends the proxies' streams and exits 0")
    func signals() async throws {
        let fixture = try await ServeFixture("lifecycle", backendNames: ["a"], routes: AdminServeTests.routes)
        defer { fixture.stop() }
        #expect(await eventually(timeout: .seconds(20)) {
            MetricsServeTests.value((try? await AdminServeTests.metrics(fixture)) ?? [], "meridian_xds_acks_total") ?? 0 >= 4
        })
        kill(fixture.meridian.processIdentifier, SIGHUP)
        #expect(await eventually(timeout: .seconds(10)) {
            MetricsServeTests.value((try? await AdminServeTests.metrics(fixture)) ?? [], "meridian_reloads_total", ["result": "valid"]) == 2
        }, "one reload at start, one for SIGHUP")
        #expect(fixture.meridianLog.contains("SIGHUP: reloading the configuration"))
        #expect(fixture.meridian.isRunning, "SIGHUP does not stop serve")

        kill(fixture.meridian.processIdentifier, SIGTERM)
        #expect(fixture.meridian.waitForExit(timeout: 10) == 0, "\(fixture.meridianLog.suffix(2_000))")
        #expect(fixture.meridianLog.contains("stopped"))
        // Envoy saw its ADS stream end (UNAVAILABLE, reconnect elsewhere), not a hang.
        #expect(await eventually(timeout: .seconds(10)) { (try? await fixture.envoy.stat("control_plane.connected_state")) == 0 })
        #expect(await HTTPProbe.trySend(port: fixture.adminPort, path: "/healthz", host: "127.0.0.1") == nil, "the admin server stopped too")
    }

    @Test("meridian status and config-dump talk to a running serve; an unknown group exits 1, no server exits 2")
    func adminVerbs() async throws {
        let fixture = try await ServeFixture("verbs", backendNames: ["a"], routes: AdminServeTests.routes)
        defer { fixture.stop() }
        let admin = "127.0.0.1:\(fixture.adminPort)"
        let version = try #require(fixture.expectedVersion())
        #expect(await eventually(timeout: .seconds(20)) {
            let status = Self.run(["status", "--admin-address", admin])
            return status.status == 0 && status.text.contains("envoy-verbs") && status.text.contains("SYNCED \(version.prefix(12))")
        })
        let json = Self.run(["status", "--admin-address", admin, "--output", "json"])
        #expect(json.status == 0 && json.text.contains("\"node_id\": \"envoy-verbs\""), "\(json.text)")
        let dump = Self.run(["config-dump", "--admin-address", admin, "--group", "ns/gw", "--type", "rds"])
        #expect(dump.status == 0 && dump.text.contains("RoutesConfigDump") && !dump.text.contains("ClustersConfigDump"), "\(dump.text)")
        #expect(dump.text.contains("version_info: \"\(version)\""))
        let unknown = Self.run(["config-dump", "--admin-address", admin, "--group", "ns/nope"])
        #expect(unknown.status == 1 && unknown.text.contains("proxy group ns/nope is not served"), "\(unknown.text)")
        let unreachable = Self.run(["status", "--admin-address", "127.0.0.1:\(try freeLoopbackPort())"])
        #expect(unreachable.status == 2 && unreachable.text.contains("cannot reach the admin API"), "\(unreachable.text)")
    }

    @Test("--version prints the release")
    func version() throws {
        let output = Self.run(["--version"])
        #expect(output.status == 0)
        #expect(output.text.trimmingCharacters(in: .whitespacesAndNewlines).range(of: #"^\d+\.\d+\.\d+$"#, options: .regularExpression) != nil, "\(output.text)")
    }

    /// Runs the meridian binary; its status and everything it printed.
    static func run(_ arguments: [String]) -> (status: Int32, text: String) {
        let process = Process()
        process.executableURL = try? ServeFixture.meridianBinary
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        guard (try? process.run()) != nil else { return (-1, "cannot run meridian") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
