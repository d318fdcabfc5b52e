import ArgumentParser
import Dispatch
import Foundation
import GRPCCoreTransport

/// `meridian-load baseline`: the replay server, for the figures Meridian is compared with.
struct BaselineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Serve captured DiscoveryResponse bytes over ADS, with no control-plane logic.",
        discussion: "SIGHUP switches to the next captured set and pushes what changed. Prints `xDS listening on 127.0.0.1:<port>`."
    )

    @Option(help: "Directory written by `meridian-load capture`.")
    var capture: String

    @Option(help: "Port on 127.0.0.1 (0: any free port).")
    var port = 0

    func run() async throws {
        DescriptorLimits.raiseSoftToHard()
        let replay = try ReplayServer.load(from: capture)
        let server = GRPCServer(handlers: replay.handlers)
        let bound: Int
        do {
            bound = try server.start(address: "127.0.0.1:\(port)")
        } catch {
            throw LoadGeneratorError.cannotListen("\(error)")
        }
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        hangup.setEventHandler { replay.advance() }
        hangup.resume()
        // Written unbuffered: the benchmark reads the port from a log file while this runs.
        FileHandle.standardOutput.write(Data("xDS listening on 127.0.0.1:\(bound)\n".utf8))
        // Serves until killed; the loop also keeps the signal source alive.
        while !hangup.isCancelled {
            try await Task.sleep(for: .seconds(3600))
        }
    }
}
