import Foundation
import MeridianTestSupport
import Testing

/// Two real `meridian serve` processes on one `--xds-address`: the second must
/// not start (with SO_REUSEPORT on it did, silently, and took half the proxies).
@Suite("one serve per xDS address", .timeLimit(.minutes(1)))
struct SingleServerPerAddressTests {
    @Test("a second serve on a busy --xds-address exits non-zero, saying the address is in use")
    func secondServeFails() throws {
        let directory = try RepositoryPaths.makeScratchDirectory("reuseport")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = RepositoryPaths.root.appendingPathComponent("deploy/examples/inference-gateway").path
        let xds = "127.0.0.1:\(try freeLoopbackPort())"
        func serve(_ name: String) throws -> ChildProcess {
            try ChildProcess(
                executable: ServeFixture.meridianBinary,
                arguments: ["serve", "--config", config, "--xds-address", xds, "--admin-address", "127.0.0.1:\(try freeLoopbackPort())"],
                logFile: directory.appendingPathComponent("\(name).log")
            )
        }
        let first = try serve("first")
        defer { first.stop() }
        let started = Date()
        while !first.output.contains("serving ADS"), first.isRunning, Date().timeIntervalSince(started) < 20 { usleep(20_000) }
        try #require(first.output.contains("serving ADS"), "\(first.output.suffix(2_000))")

        let second = try serve("second")
        defer { second.stop() }
        let status = second.waitForExit(timeout: 20)
        #expect(status != nil && status != 0, "the second serve exited with \(String(describing: status))")
        #expect(second.output.contains("address \(xds) is in use"), "\(second.output.suffix(2_000))")
        #expect(first.isRunning, "the first serve keeps serving")
    }
}
