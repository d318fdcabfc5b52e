import Synchronization

/// What every simulated proxy reported: when it synced, which route table version it holds
/// and since when, and how its streams ended. One lock: each report is a few stores.
final class FleetRecorder: Sendable {
    private struct ProxyRecord {
        var syncedAt: ContinuousClock.Instant?
        var routeVersion = ""
        var routeVersionAt: ContinuousClock.Instant?
        /// For a proxy that never syncs: how far it got.
        var streamsOpened = 0
        var responses = 0
        var ackedTypes: Set<XDSType> = []
    }

    private struct State {
        var proxies: [ProxyRecord]
        var syncedCount = 0
        /// Stream ends other than by our own cancellation, by status code name.
        var streamErrors: [String: Int] = [:]
    }

    private let state: Mutex<State>

    init(proxies: Int) {
        state = Mutex(State(proxies: Array(repeating: ProxyRecord(), count: proxies)))
    }

    func synced(_ index: Int) {
        let now = ContinuousClock.now
        state.withLock { state in
            guard state.proxies[index].syncedAt == nil else { return }
            state.proxies[index].syncedAt = now
            state.syncedCount += 1
        }
    }

    func routeVersionArrived(_ index: Int, version: String) {
        let now = ContinuousClock.now
        state.withLock { state in
            guard state.proxies[index].routeVersion != version else { return }
            state.proxies[index].routeVersion = version
            state.proxies[index].routeVersionAt = now
        }
    }

    func streamOpened(_ index: Int) {
        state.withLock { state in
            state.proxies[index].streamsOpened += 1
            state.proxies[index].ackedTypes = []
        }
    }

    func acknowledged(_ index: Int, _ type: XDSType) {
        state.withLock { state in
            state.proxies[index].responses += 1
            state.proxies[index].ackedTypes.insert(type)
        }
    }

    /// The proxies not synced, each with its streams, responses and ACKed types (the first `limit`).
    func unsynced(limit: Int) -> [String] {
        state.withLock { state in
            state.proxies.indices.filter { state.proxies[$0].syncedAt == nil }.prefix(limit).map { index in
                let record = state.proxies[index]
                let types = record.ackedTypes.sorted { $0.rawValue < $1.rawValue }.map(\.shortName).joined(separator: ",")
                return "proxy \(index): \(record.streamsOpened) streams, \(record.responses) responses ACKed, types ACKed on this stream [\(types)]"
            }
        }
    }

    func streamEnded(_ index: Int, status: String) {
        state.withLock { $0.streamErrors[status, default: 0] += 1 }
    }

    /// Forgets every proxy's sync, for a reconnect storm.
    func resetSync() {
        state.withLock { state in
            for index in state.proxies.indices { state.proxies[index].syncedAt = nil }
            state.syncedCount = 0
        }
    }

    var syncedCount: Int { state.withLock { $0.syncedCount } }

    var streamErrors: [String: Int] { state.withLock { $0.streamErrors } }

    /// The instants at which each proxy synced (nil: not yet).
    var syncInstants: [ContinuousClock.Instant?] { state.withLock { $0.proxies.map(\.syncedAt) } }

    /// Each proxy's route table version and when it arrived.
    var routeVersions: [(version: String, at: ContinuousClock.Instant?)] {
        state.withLock { $0.proxies.map { ($0.routeVersion, $0.routeVersionAt) } }
    }
}
