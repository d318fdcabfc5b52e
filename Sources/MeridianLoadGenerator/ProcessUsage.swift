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
