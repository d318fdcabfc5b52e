import EnvoyAPI
import GRPCCoreTransport
import Synchronization

/// N simulated proxies, each on its own TCP connection (or `clientsPerConnection` to one),
/// each reconnecting after its stream ends, as Envoy does.
final class Fleet: Sendable {
    let recorder: FleetRecorder
    private let target: String
    private let proxies: [SimulatedProxy]
    private let clientsPerConnection: Int
    /// A few completion-queue threads for every channel: a thread per channel would be
    /// thousands of threads competing with the server for two cores.
    private let queues: [SharedCompletionQueue]
    private let running = Mutex<(tasks: [Task<Void, Never>], channels: [GRPCChannel])>(([], []))

    init(target: String, clients: Int, clientsPerConnection: Int = 1, nodeCluster: String = "meridian-load",
         queues: [SharedCompletionQueue], capture: ResponseCapture? = nil, delta: Bool = false) {
        self.target = target
        self.clientsPerConnection = max(1, clientsPerConnection)
        self.queues = queues
        let recorder = FleetRecorder(proxies: clients)
        self.recorder = recorder
        let names = FollowedNameCache()
        proxies = (0..<clients).map { index in
            SimulatedProxy(index: index, node: Node(id: "load-\(index)", cluster: nodeCluster, userAgentName: "envoy"),
                           recorder: recorder, names: names, capture: capture, delta: delta)
        }
    }

    var count: Int { proxies.count }

    /// Connects every proxy at once (each subscribes as soon as its connection is up).
    func start() {
        var channels: [GRPCChannel] = []
        var tasks: [Task<Void, Never>] = []
        for proxy in proxies {
            if proxy.index % clientsPerConnection == 0 {
                channels.append(GRPCChannel(target: target, ownConnectionOn: queues[channels.count % queues.count]))
            }
            let channel = channels[channels.count - 1]
            let recorder = self.recorder
            tasks.append(Task {
                var backoff = Duration.milliseconds(100)
                while !Task.isCancelled {
                    let status: String
                    do {
                        let ended = try await proxy.runStream(on: channel)
                        status = "\(ended.code)"
                    } catch {
                        status = "\(error)"
                    }
                    if Task.isCancelled { return }
                    recorder.streamEnded(proxy.index, status: status)
                    // Envoy backs off with jitter before it reopens its ADS stream.
                    try? await Task.sleep(for: backoff * Double.random(in: 0.5...1.5))
                    backoff = min(backoff * 2, .seconds(5))
                }
            })
        }
        running.withLock { $0 = (tasks, channels) }
    }

    /// Ends every stream and closes every connection, all at once.
    func stop() async {
        let (tasks, channels) = running.withLock { running in
            defer { running = ([], []) }
            return running
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        await withTaskGroup(of: Void.self) { group in
            for channel in channels { group.addTask { await channel.close() } }
        }
    }

    /// Waits until every proxy has synced, or `timeout` passes.
    /// - Returns: whether all synced.
    func waitUntilAllSynced(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while recorder.syncedCount < proxies.count {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// Waits until every proxy holds a route table version other than the one it held before,
    /// or `timeout` passes. - Returns: when each proxy received its new version (nil: never).
    func waitForNewRouteVersions(after previous: [String], timeout: Duration) async -> [ContinuousClock.Instant?] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let current = recorder.routeVersions
            let arrivals = current.indices.map { current[$0].version != previous[$0] ? current[$0].at : nil }
            if arrivals.allSatisfy({ $0 != nil }) || ContinuousClock.now >= deadline { return arrivals }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
