import Foundation
import Testing
import MeridianLoad

/// Measures what loading one file costs, in a child process of its own: the test bundle
/// runs itself again with only `LoadCostProbe/probe` selected, so the peak resident size
/// (`getrusage` maxrss) belongs to that load alone and no test running in parallel in this
/// process can disturb it.
enum LoadCost {
    /// What one load cost.
    struct Measurement: CustomStringConvertible {
        /// Processor time (user and system) of `ConfigurationLoader.load(paths:)` and of
        /// rendering its errors: unlike wall-clock time, it does not grow when other
        /// builds and tests share the machine's cores.
        var seconds: Double
        /// Growth of the peak resident size during the load, in bytes.
        var peakBytes: Int
        /// How many errors the load reported, and how many bytes they render to.
        var errorCount: Int
        var errorBytes: Int

        var description: String {
            String(format: "%.3f s, peak +%.1f MiB, %d errors (%d bytes)", seconds, Double(peakBytes) / 1_048_576, errorCount, errorBytes)
        }
    }

    static let inputVariable = "MERIDIAN_LOAD_COST_INPUT"
    static let resultVariable = "MERIDIAN_LOAD_COST_RESULT"

    /// Loads `file` in a child process and returns what it cost.
    static func measure(_ file: String) throws -> Measurement {
        let result = file + ".cost"
        let bundle = CommandLine.arguments[0]
        var environment = ProcessInfo.processInfo.environment
        environment[inputVariable] = file
        environment[resultVariable] = result
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bundle)
        process.arguments = ["--testing-library", "swift-testing", "--filter", "LoadCostProbe"]
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let text = try String(contentsOfFile: result, encoding: .utf8)
        let fields = text.split(separator: " ")
        guard fields.count == 4, let seconds = Double(fields[0]), let peak = Int(fields[1]),
              let count = Int(fields[2]), let bytes = Int(fields[3]) else {
            throw ProbeFailure(description: "unreadable probe result \(text.debugDescription)")
        }
        return Measurement(seconds: seconds, peakBytes: peak, errorCount: count, errorBytes: bytes)
    }

    struct ProbeFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// The process's processor time so far (user and system), in seconds.
    static func processorSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// Resets the peak resident size to the current one (Linux's `clear_refs`); returns it.
    ///
    /// Not `getrusage`'s maxrss: a spawned child inherits its parent's peak there.
    static func resetPeakResidentBytes() -> Int {
        if let file = fopen("/proc/self/clear_refs", "w") {
            fputs("5", file)
            fclose(file)
        }
        return statusField("VmRSS")
    }

    /// The peak resident size since the last reset.
    static func peakResidentBytes() -> Int {
        statusField("VmHWM")
    }

    /// A `kB` field of `/proc/self/status`, in bytes.
    private static func statusField(_ name: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            return (Int(line.dropFirst(name.count + 1).filter(\.isNumber)) ?? 0) * 1024
        }
        return 0
    }
}

/// The child's side of `LoadCost.measure`; does nothing in an ordinary test run.
@Suite struct LoadCostProbe {
    @Test func probe() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let input = environment[LoadCost.inputVariable], let output = environment[LoadCost.resultVariable] else { return }
        let baseline = LoadCost.resetPeakResidentBytes()
        let start = LoadCost.processorSeconds()
        let loaded = ConfigurationLoader.load(paths: [input])
        // Rendering the errors is part of the cost: it is what `meridian validate` prints.
        let rendered = loaded.errors.reduce(0) { $0 + $1.description.utf8.count + 1 }
        let seconds = LoadCost.processorSeconds() - start
        let peak = LoadCost.peakResidentBytes() - baseline
        try "\(seconds) \(peak) \(loaded.errors.count) \(rendered)".write(toFile: output, atomically: true, encoding: .utf8)
    }
}
