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
        func serve(_ name: String, xds: String) throws -> ChildProcess {
            try ChildProcess(
                executable: ServeFixture.meridianBinary,
                arguments: ["serve", "--config", config, "--xds-address", xds, "--admin-address", "127.0.0.1:0"],
                logFile: directory.appendingPathComponent("\(name).log")
            )
        }
        // The first binds a port the kernel picks; the second asks for that same port.
        let first = try serve("first", xds: "127.0.0.1:0")
        defer { first.stop() }
        let xds = "127.0.0.1:\(try ServeLogPorts.wait(for: first).xds)"

        let second = try serve("second", xds: xds)
        defer { second.stop() }
        let status = second.waitForExit(timeout: 20)
        #expect(status != nil && status != 0, "the second serve exited with \(String(describing: status))")
        #expect(second.output.contains("address \(xds) is in use"), "\(second.output.suffix(2_000))")
        #expect(first.isRunning, "the first serve keeps serving")
    }
}
