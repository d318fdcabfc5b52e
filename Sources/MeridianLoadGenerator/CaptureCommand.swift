import ArgumentParser
import Foundation
import GRPCCoreTransport

/// `meridian-load capture`: record a real server's responses for the baseline to replay.
struct CaptureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Record the CDS, EDS, LDS and RDS responses one proxy gets, before and after a push.",
        discussion: "Writes DIR/0/<type>.pb (after sync) and DIR/1/<type>.pb (after the push): the exact DiscoveryResponse bytes."
    )

    @Option(help: "The xDS server's port on 127.0.0.1.")
    var port: Int

    @Option(help: "The proxies' node cluster: Meridian's proxy group (the Gateway, such as bench/gw).")
    var nodeCluster = "meridian-load"

    @Option(help: "Directory to write the responses to.")
    var out: String

    @Option(help: "Shell command that makes the server's route table change (run with MERIDIAN_LOAD_PUSH=1).")
    var pushCommand: String

    @Option(help: "Seconds to wait for the sync and for the push.")
    var timeout = 60

    func run() async throws {
        let capture = ResponseCapture()
        let fleet = Fleet(target: "127.0.0.1:\(port)", clients: 1, nodeCluster: nodeCluster, queues: [SharedCompletionQueue(name: "capture-cq")], capture: capture)
        fleet.start()
        guard await fleet.waitUntilAllSynced(timeout: .seconds(timeout)) else {
            throw ValidationError("the proxy did not sync within \(timeout) s")
        }
        // A quiet second: whatever the server sends right after the sync belongs to the first set.
        try await Task.sleep(for: .seconds(1))
        try write(capture.latest, to: "0")
        let previous = fleet.recorder.routeVersions.map(\.version)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", pushCommand]
        process.environment = ProcessInfo.processInfo.environment.merging(["MERIDIAN_LOAD_PUSH": "1"]) { $1 }
        try process.run()
        process.waitUntilExit()
        guard await fleet.waitForNewRouteVersions(after: previous, timeout: .seconds(timeout)).allSatisfy({ $0 != nil }) else {
            throw ValidationError("no new route table version within \(timeout) s of the push")
        }
        try await Task.sleep(for: .seconds(1))
        try write(capture.latest, to: "1")
        await fleet.stop()
        print("captured to \(out)")
    }

    private func write(_ responses: [XDSType: [UInt8]], to set: String) throws {
        let directory = URL(fileURLWithPath: out).appendingPathComponent(set)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (type, bytes) in responses {
            try Data(bytes).write(to: directory.appendingPathComponent("\(type.shortName).pb"))
            print("set \(set): \(type.shortName) \(bytes.count) bytes, version \(ResponseHeader(scanning: bytes).versionInfo)")
        }
    }
}
