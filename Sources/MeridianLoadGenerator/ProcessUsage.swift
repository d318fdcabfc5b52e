import Foundation

/// Memory and CPU of a process, read from /proc (Linux).
struct ProcessUsage: Sendable, Codable {
    /// Resident set size now (VmRSS), in KiB.
    var residentKiB: Int
    /// The largest resident set size so far (VmHWM), in KiB.
    var peakResidentKiB: Int
    /// User plus system CPU time consumed so far, in seconds.
    var cpuSeconds: Double

    /// Reads `/proc/<pid>/status` and `/proc/<pid>/stat`; nil when the process is gone.
    static func read(pid: Int32) -> ProcessUsage? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        func kibibytes(_ key: String) -> Int {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return 0 }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        // The command name (field 2) may hold spaces and parentheses: fields are counted after
        // its closing parenthesis; utime and stime are fields 14 and 15 of the whole line.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let rest = stat[stat.index(after: close)...].split(separator: " ")
        guard rest.count > 13, let user = Double(rest[11]), let system = Double(rest[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ProcessUsage(residentKiB: kibibytes("VmRSS"), peakResidentKiB: kibibytes("VmHWM"), cpuSeconds: (user + system) / ticks)
    }

    var residentMiB: Double { Double(residentKiB) / 1024 }
    var peakResidentMiB: Double { Double(peakResidentKiB) / 1024 }
}

/// Latency figures in milliseconds, from samples.
struct LatencySummary: Sendable, Codable {
    var count: Int
    var p50: Double
    var p90: Double
    var p99: Double
    var max: Double

    init(milliseconds samples: [Double]) {
        let sorted = samples.sorted()
        count = sorted.count
        // Nearest rank: the smallest sample with at least p% of samples at or below it.
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
            return sorted[Swift.max(0, Swift.min(sorted.count - 1, rank - 1))]
        }
        p50 = percentile(50)
        p90 = percentile(90)
        p99 = percentile(99)
        max = sorted.last ?? 0
    }

    var text: String {
        String(format: "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (%d samples)", p50, p90, p99, max, count)
    }
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
