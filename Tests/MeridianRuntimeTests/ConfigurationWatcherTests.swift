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

    /// A watcher over `directory`, started; the caller cancels the returned task.
    static func following(_ directory: URL, allowsEmpty: Bool = false, log: CapturedLog? = nil) -> (SnapshotCache, ConfigurationWatcher, Task<Void, Never>) {
        let cache = SnapshotCache()
        let logger = log?.logger(label: "test") ?? Logger(label: "test")
        let watcher = ConfigurationWatcher(paths: [directory.path], options: TranslationOptions(), cache: cache, logger: logger, allowsEmpty: allowsEmpty)
        watcher.reload()
        return (cache, watcher, Task { await watcher.run() })
    }

    static func version(_ directory: URL) -> String? {
        ConfigurationPipeline.build(paths: [directory.path], options: TranslationOptions()).snapshots["ns/gw"]?.version
    }

    @Test("a file named *.YAML is configuration for the watcher as for the loader")
    func upperCaseSuffix() async throws {
        let directory = try RepositoryPaths.makeScratchDirectory("watcher-upper")
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.gateway(port: 8080).write(to: directory.appendingPathComponent("Gateway.YAML"), atomically: true, encoding: .utf8)
        let (cache, _, task) = Self.following(directory)
        defer { task.cancel() }
        #expect(cache.snapshot(forProxyGroup: "ns/gw") != nil, "the loader reads Gateway.YAML")
        try Self.gateway(port: 9090).write(to: directory.appendingPathComponent("Gateway.YAML"), atomically: true, encoding: .utf8)
        let expected = try #require(Self.version(directory))
        #expect(await eventually(timeout: .seconds(30)) { cache.snapshot(forProxyGroup: "ns/gw")?.version == expected })
    }

    @Test("a file written in place, in pieces, is read once it is closed, never half-written")
    func inPlaceWrite() async throws {
        let directory = try RepositoryPaths.makeScratchDirectory("watcher-in-place")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("gateway.yaml")
        try Self.gateway(port: 8080).write(to: file, atomically: true, encoding: .utf8)
        let log = CapturedLog()
        let (cache, _, task) = Self.following(directory, log: log)
        defer { task.cancel() }
        try await Task.sleep(for: .milliseconds(200))
        // Truncated, then written in two halves 300 ms apart, then closed.
        let text = Array(Self.gateway(port: 9090).utf8)
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: text[..<(text.count / 2)])
        try await Task.sleep(for: .milliseconds(300))
        try handle.write(contentsOf: text[(text.count / 2)...])
        try handle.close()
        let expected = try #require(Self.version(directory))
        #expect(await eventually(timeout: .seconds(30)) { cache.snapshot(forProxyGroup: "ns/gw")?.version == expected })
        #expect(!log.records.contains { $0.contains("invalid configuration") }, "a half-written file was read: \(log.records)")
    }

    @Test("every file removed: refused, the last good snapshot kept; with allowsEmpty, nothing is served")
    func emptyConfiguration() async throws {
        for allowsEmpty in [false, true] {
            let directory = try RepositoryPaths.makeScratchDirectory("watcher-empty")
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("gateway.yaml")
            try Self.gateway(port: 8080).write(to: file, atomically: true, encoding: .utf8)
            let log = CapturedLog()
            let (cache, watcher, task) = Self.following(directory, allowsEmpty: allowsEmpty, log: log)
            defer { task.cancel() }
            let good = try #require(cache.snapshot(forProxyGroup: "ns/gw")?.version)
            try FileManager.default.removeItem(at: file)
            if allowsEmpty {
                #expect(await eventually(timeout: .seconds(30)) { cache.snapshots.isEmpty }, "an empty configuration served as asked")
            } else {
                #expect(await eventually(timeout: .seconds(30)) { log.records.contains { $0.contains("the configuration is empty: no readable *.yaml or *.yml file in \(directory.path); still serving the last good snapshot") } }, "\(log.records)")
                #expect(cache.snapshot(forProxyGroup: "ns/gw")?.version == good)
                #expect(watcher.servedBuild != nil)
                // A file comes back: served again.
                try Self.gateway(port: 9090).write(to: file, atomically: true, encoding: .utf8)
                let expected = try #require(Self.version(directory))
                #expect(await eventually(timeout: .seconds(30)) { cache.snapshot(forProxyGroup: "ns/gw")?.version == expected })
            }
        }
    }

    @Test("a ConfigMap-style update (a ..data symlink swapped by rename) is followed")
    func symlinkSwap() async throws {
        let directory = try RepositoryPaths.makeScratchDirectory("watcher-configmap")
        defer { try? FileManager.default.removeItem(at: directory) }
        let fm = FileManager.default
        func publish(_ port: Int, as version: String) throws {
            let target = directory.appendingPathComponent("..\(version)")
            try fm.createDirectory(at: target, withIntermediateDirectories: true)
            try Self.gateway(port: port).write(to: target.appendingPathComponent("gateway.yaml"), atomically: true, encoding: .utf8)
            let temporary = directory.appendingPathComponent("..data_tmp")
            try? fm.removeItem(at: temporary)
            try fm.createSymbolicLink(atPath: temporary.path, withDestinationPath: "..\(version)")
            _ = rename(temporary.path, directory.appendingPathComponent("..data").path)
        }
        try publish(8080, as: "v1")
        try fm.createSymbolicLink(atPath: directory.appendingPathComponent("gateway.yaml").path, withDestinationPath: "..data/gateway.yaml")
        let (cache, _, task) = Self.following(directory)
        defer { task.cancel() }
        #expect(cache.snapshot(forProxyGroup: "ns/gw") != nil)
        try publish(9090, as: "v2")
        let expected = try #require(Self.version(directory))
        #expect(await eventually(timeout: .seconds(30)) { cache.snapshot(forProxyGroup: "ns/gw")?.version == expected })
    }
}
