import Foundation
import Logging
import MeridianRuntime
import MeridianServe
import MeridianTestSupport
import MeridianTranslate
import Testing

@Suite("Following the configuration files")
struct ConfigurationWatcherTests {
    static func gateway(port: Int) -> String {
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: meridian}
        spec: {controllerName: meridian.dev/gateway-controller}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: ns}
        spec:
          gatewayClassName: meridian
          listeners: [{name: http, protocol: HTTP, port: \(port)}]

        """
    }

    /// `serve` loads the files, then starts polling them: an edit that lands in between (a
    /// slow start, a deploy writing its files right after starting `serve`) is still followed.
    @Test("an edit made after the first load and before the first poll is picked up")
    func editBeforeFirstPoll() async throws {
        let directory = try RepositoryPaths.makeScratchDirectory("watcher-race")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("gateway.yaml")
        try Self.gateway(port: 8080).write(to: file, atomically: true, encoding: .utf8)
        let cache = SnapshotCache()
        let watcher = ConfigurationWatcher(paths: [directory.path], options: TranslationOptions(), cache: cache, logger: Logger(label: "test"))
        #expect(watcher.reload())
        let first = try #require(cache.snapshot(forProxyGroup: "ns/gw")?.version)

        try Self.gateway(port: 9090).write(to: file, atomically: true, encoding: .utf8)
        let expected = try #require(ConfigurationPipeline.build(paths: [directory.path], options: TranslationOptions()).snapshots["ns/gw"]?.version)
        #expect(expected != first)
        let polling = Task { await watcher.run() }
        defer { polling.cancel() }
        // (Generous: with every suite running, the polling task may wait its turn for a thread.)
        #expect(await eventually(timeout: .seconds(30)) { cache.snapshot(forProxyGroup: "ns/gw")?.version == expected })
    }
}
