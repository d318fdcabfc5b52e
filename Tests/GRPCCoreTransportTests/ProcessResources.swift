import Foundation

/// What the test process holds right now, read from /proc.
struct ProcessResources: CustomStringConvertible {
    var residentBytes: Int
    var openDescriptors: Int
    var threads: Int

    static func current() -> ProcessResources {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Int {
            for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
                let digits = line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "0"
                return Int(digits) ?? 0
            }
            return 0
        }
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        return ProcessResources(residentBytes: field("VmRSS") * 1024, openDescriptors: descriptors, threads: field("Threads"))
    }

    var description: String {
        "rss=\(residentBytes / 1024) KiB fds=\(openDescriptors) threads=\(threads)"
    }
}
