import Logging
import MeridianServe
import ServiceLifecycle
import UnixSignals

/// The xDS server as a service of `serve`'s `ServiceGroup`: listening from `start` until a
/// graceful shutdown, then every stream ended with UNAVAILABLE so proxies reconnect.
public struct XDSService: Service {
    public let server: XDSServer
    public let gracePeriod: Duration

    public init(server: XDSServer, gracePeriod: Duration = .seconds(5)) {
        self.server = server
        self.gracePeriod = gracePeriod
    }

    public func run() async throws {
        // Returns on graceful shutdown or cancellation; either way the server stops.
        try? await gracefulShutdown()
        await server.shutdown(gracePeriod: gracePeriod)
    }
}

/// The file watcher as a service: follows the files until a graceful shutdown, and reloads
/// at once on SIGHUP (the operator's "re-read now", as nginx and Envoy's hot restarter use it).
public struct ConfigurationWatcherService: Service {
    public let watcher: ConfigurationWatcher
    private let logger: Logger

    public init(watcher: ConfigurationWatcher, logger: Logger) {
        self.watcher = watcher
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { tasks in
                tasks.addTask { await watcher.run() }
                tasks.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sighup) {
                        logger.notice("SIGHUP: reloading the configuration")
                        watcher.reload()
                    }
                }
                await tasks.next()
                tasks.cancelAll()
            }
        }
    }
}
