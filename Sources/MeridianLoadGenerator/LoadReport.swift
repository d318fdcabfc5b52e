import Foundation

/// How long a fleet took to sync: every proxy ACKed CDS, EDS, LDS and RDS.
struct SyncFigures: Sendable, Codable {
    var allSynced: Bool
    var synced: Int
    /// From connecting to the last proxy's sync, in milliseconds (to the deadline if not all).
    var allSyncedMilliseconds: Double
    /// Per-proxy time from connecting to sync.
    var perProxy: LatencySummary

    init(started: ContinuousClock.Instant, instants: [ContinuousClock.Instant?], allSynced: Bool) {
        let samples = instants.compactMap { $0.map { ($0 - started).milliseconds } }
        self.allSynced = allSynced
        synced = samples.count
        allSyncedMilliseconds = allSynced ? (samples.max() ?? 0) : (ContinuousClock.now - started).milliseconds
        perProxy = LatencySummary(milliseconds: samples)
    }

    var text: String {
        "\(synced) synced" + (allSynced ? " (all)" : " (NOT ALL)")
            + String(format: ", last after %.1f ms; per proxy ", allSyncedMilliseconds) + perProxy.text
    }
}

/// One route push: from the trigger to each proxy's receipt of the new route table version.
struct PushFigures: Sendable, Codable {
    var latency: LatencySummary
    var reached: Int
    var lastProxyMilliseconds: Double = 0
    /// From the first proxy's receipt to the last one's: the fan-out alone, without what
    /// precedes the first send (Meridian's file watcher and reload; the baseline has none).
    var spreadMilliseconds: Double = 0
    var serverCPUSeconds: Double?
    var serverPeakResidentKiB: Int?

    var text: String {
        "reached \(reached) proxies; \(latency.text); last proxy \(String(format: "%.1f", lastProxyMilliseconds)) ms, spread \(String(format: "%.1f", spreadMilliseconds)) ms"
            + (serverCPUSeconds.map { String(format: "; server CPU %.2f s", $0) } ?? "")
    }
}

/// One reconnect storm: every proxy disconnected and reconnected at once.
struct StormFigures: Sendable, Codable {
    var sync: SyncFigures
    var serverCPUSeconds: Double?
    var serverAlive = true
}

/// Everything one `run` measured; printed as one JSON line for scripts.
struct LoadReport: Sendable, Codable {
    var label: String
    var clients: Int
    var descriptorLimit: Int
    var serverBefore: ProcessUsage?
    var sync: SyncFigures?
    var serverSynced: ProcessUsage?
    var serverIdle: ProcessUsage?
    var pushes: [PushFigures] = []
    var storms: [StormFigures] = []
    var streamErrors: [String: Int] = [:]
    var serverAfter: ProcessUsage?
    var loadGenerator: ProcessUsage?

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
