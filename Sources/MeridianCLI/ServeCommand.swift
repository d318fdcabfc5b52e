import ArgumentParser
import Foundation
import Logging
import MeridianRuntime
import MeridianServe

/// `meridian serve`: translate, serve over ADS, and follow every change to the files.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Load, translate and serve Gateway API configuration over ADS, reloading when the files change."
    )

    @OptionGroup var flags: TranslationFlags

    @Option(help: ArgumentHelp("Where to serve ADS.", valueName: "host:port"))
    var xdsAddress = "127.0.0.1:18000"

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "meridian")
        let cache = SnapshotCache()
        let watcher = ConfigurationWatcher(paths: flags.configPaths, options: flags.options, cache: cache, logger: logger)
        if !watcher.reload() {
            // Stay up: proxies get their configuration as soon as the files are fixed.
            logger.error("the configuration is invalid; serving nothing until it is fixed")
        }
        let server = XDSServer(cache: cache, logger: Logger(label: "meridian.ads"))
        let port = try server.start(address: xdsAddress)
        logger.info("serving ADS", metadata: ["address": "\(xdsAddress)", "port": "\(port)"])

        let watching = Task { await watcher.run() }
        await SignalWait.untilTerminated()
        logger.info("shutting down")
        watching.cancel()
        await server.shutdown(gracePeriod: .seconds(5))
    }
}

/// Waits for SIGINT or SIGTERM.
enum SignalWait {
    static func untilTerminated() async {
        let (signals, continuation) = AsyncStream<Int32>.makeStream()
        let sources = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        for await _ in signals { break }
        for source in sources { source.cancel() }
    }
}
