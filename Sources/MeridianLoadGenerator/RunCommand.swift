import ArgumentParser
import Foundation
import GRPCCoreTransport

/// `meridian-load run`: sync N proxies, push route changes, optionally storm; report.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Connect N Envoy-like ADS clients, time their sync and a route push, and report.",
        discussion: "Prints human-readable lines, then one line starting with `JSON ` for scripts."
    )

    @Option(help: "The xDS server's port on 127.0.0.1.")
    var port: Int

    @Option(help: "Simulated proxies.")
    var clients = 100

    @Option(help: "The proxies' node cluster: Meridian's proxy group (the Gateway, such as bench/gw).")
    var nodeCluster = "meridian-load"

    @Option(help: "Proxies sharing one TCP connection (Envoy: 1).")
    var clientsPerConnection = 1

    @Option(help: "The server's process id, for its memory (VmRSS, VmHWM) and CPU time.")
    var serverPid: Int32?

    @Option(help: "Shell command that makes the server's route table change (run with MERIDIAN_LOAD_PUSH=<n>); push latency counts from just before it starts.")
    var pushCommand: String?

    @Option(help: "Pushes to time, one after the other.")
    var pushes = 1

    @Option(help: "Reconnect storms: every proxy disconnects and reconnects at once, this many times.")
    var storms = 0

    @Option(help: "Seconds to wait for a sync or a push to reach every proxy.")
    var timeout = 120

    @Option(help: "A label for the report (such as meridian or baseline).")
    var label = "server"

    @Option(help: ArgumentHelp("The ADS protocol the proxies speak: sotw (state of the world) or delta (incremental).", valueName: "sotw|delta"))
    var xdsProtocol = "sotw"

    func validate() throws {
        guard ["sotw", "delta"].contains(xdsProtocol) else { throw ValidationError("--xds-protocol: sotw or delta, not \(xdsProtocol)") }
    }

    func run() async throws {
        let limits = DescriptorLimits.raiseSoftToHard().after
        let fleet = Fleet(target: "127.0.0.1:\(port)", clients: clients, clientsPerConnection: clientsPerConnection, nodeCluster: nodeCluster,
                          queues: [SharedCompletionQueue(name: "load-cq-0"), SharedCompletionQueue(name: "load-cq-1")], delta: xdsProtocol == "delta")
        var report = LoadReport(label: label, clients: clients, descriptorLimit: limits.soft)
        let usage = { serverPid.flatMap { ProcessUsage.read(pid: $0) } }
        report.serverBefore = usage()

        let started = ContinuousClock.now
        fleet.start()
        let allSynced = await fleet.waitUntilAllSynced(timeout: .seconds(timeout))
        report.sync = SyncFigures(started: started, instants: fleet.recorder.syncInstants, allSynced: allSynced)
        report.serverSynced = usage()
        print("[\(label)] sync: \(report.sync!.text)")
        for line in fleet.recorder.unsynced(limit: 5) { print("[\(label)] not synced: \(line)") }
        // Let the server settle (buffers freed, streams idle) before reading its idle footprint.
        try await Task.sleep(for: .seconds(2))
        report.serverIdle = usage()
        if let idle = report.serverIdle { print(String(format: "[\(label)] server idle: RSS %.1f MiB, peak %.1f MiB, CPU %.2f s", idle.residentMiB, idle.peakResidentMiB, idle.cpuSeconds)) }

        if let pushCommand, allSynced {
            for push in 1...max(1, pushes) {
                let figures = try await timePush(fleet: fleet, command: pushCommand, index: push, usage: usage)
                report.pushes.append(figures)
                print("[\(label)] push \(push): \(figures.text)")
            }
        }

        for storm in 0..<storms {
            await fleet.stop()
            fleet.recorder.resetSync()
            let before = usage()
            let started = ContinuousClock.now
            fleet.start()
            let synced = await fleet.waitUntilAllSynced(timeout: .seconds(timeout))
            var figures = StormFigures(sync: SyncFigures(started: started, instants: fleet.recorder.syncInstants, allSynced: synced))
            let after = usage()
            figures.serverCPUSeconds = bothUsages(before, after).map { $1.cpuSeconds - $0.cpuSeconds }
            figures.serverAlive = serverPid == nil || after != nil
            report.storms.append(figures)
            print("[\(label)] storm \(storm + 1): \(figures.sync.text), server alive: \(figures.serverAlive)")
            for line in fleet.recorder.unsynced(limit: 5) { print("[\(label)] not synced: \(line)") }
        }

        report.streamErrors = fleet.recorder.streamErrors
        // Its own cost, to show it was not the bottleneck (it shares the machine with the server).
        report.loadGenerator = ProcessUsage.read(pid: getpid())
        if let own = report.loadGenerator { print(String(format: "[\(label)] load generator: peak RSS %.1f MiB, CPU %.2f s", own.peakResidentMiB, own.cpuSeconds)) }
        report.serverAfter = usage()
        if !report.streamErrors.isEmpty { print("[\(label)] stream ends (other than ours): \(report.streamErrors)") }
        if let after = report.serverAfter { print(String(format: "[\(label)] server at end: RSS %.1f MiB, peak %.1f MiB, CPU %.2f s", after.residentMiB, after.peakResidentMiB, after.cpuSeconds)) }
        await fleet.stop()
        print("JSON " + report.json())
        if !allSynced || report.pushes.contains(where: { $0.reached < clients }) || report.storms.contains(where: { !$0.sync.allSynced }) {
            throw ExitCode(2)
        }
    }

    private func timePush(fleet: Fleet, command: String, index: Int, usage: () -> ProcessUsage?) async throws -> PushFigures {
        let previous = fleet.recorder.routeVersions.map(\.version)
        let before = usage()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.environment = ProcessInfo.processInfo.environment.merging(["MERIDIAN_LOAD_PUSH": "\(index)"]) { $1 }
        let trigger = ContinuousClock.now
        try process.run()
        let arrivals = await fleet.waitForNewRouteVersions(after: previous, timeout: .seconds(timeout))
        process.waitUntilExit()
        let latencies = arrivals.compactMap { $0.map { ($0 - trigger).milliseconds } }
        var figures = PushFigures(latency: LatencySummary(milliseconds: latencies), reached: latencies.count)
        figures.lastProxyMilliseconds = latencies.max() ?? 0
        figures.spreadMilliseconds = (latencies.max() ?? 0) - (latencies.min() ?? 0)
        let after = usage()
        figures.serverCPUSeconds = bothUsages(before, after).map { $1.cpuSeconds - $0.cpuSeconds }
        figures.serverPeakResidentKiB = after?.peakResidentKiB
        // Let the pushed proxies ACK and the server settle before the next push or storm.
        try await Task.sleep(for: .seconds(1))
        return figures
    }
}

private func bothUsages(_ before: ProcessUsage?, _ after: ProcessUsage?) -> (ProcessUsage, ProcessUsage)? {
    guard let before, let after else { return nil }
    return (before, after)
}
