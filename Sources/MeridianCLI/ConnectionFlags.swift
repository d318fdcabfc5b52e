import ArgumentParser
import GRPCCoreTransport

/// `serve`'s options for xDS connections: keepalive, maximum age, descriptor headroom.
struct ConnectionFlags: ParsableArguments {
    @Option(help: ArgumentHelp("Ping a proxy's connection after this many idle seconds (0: gRPC core's 2 hours).", valueName: "seconds"))
    var keepaliveTime = 30

    @Option(help: ArgumentHelp("Drop a connection whose ping is not answered within this many seconds; its proxy leaves /proxies.", valueName: "seconds"))
    var keepaliveTimeout = 10

    @Option(help: ArgumentHelp("Proxies may ping at most this often without data; faster pings are strikes, and the third strike ends the connection (GOAWAY ENHANCE_YOUR_CALM); 0: gRPC core's 5 minutes.", valueName: "seconds"))
    var minClientPingInterval = 10

    @Option(help: ArgumentHelp("Send GOAWAY to a connection after this many seconds (±10% jitter from gRPC core), so proxies spread over replicas again; 0: never.", valueName: "seconds"))
    var maxConnectionAge = 1800

    @Option(help: ArgumentHelp("After that GOAWAY, close the connection once this many seconds have passed; the proxy has reconnected by then.", valueName: "seconds"))
    var maxConnectionAgeGrace = 10

    @Option(help: "Refuse new ADS streams (RESOURCE_EXHAUSTED) while fewer than this many file descriptors, or 5% of the limit if more, are free.")
    var descriptorHeadroom = 64

    func validate() throws {
        for (name, value) in [("--keepalive-time", keepaliveTime), ("--keepalive-timeout", keepaliveTimeout),
                              ("--min-client-ping-interval", minClientPingInterval), ("--max-connection-age", maxConnectionAge),
                              ("--max-connection-age-grace", maxConnectionAgeGrace), ("--descriptor-headroom", descriptorHeadroom)]
        where !(0...1_000_000).contains(value) {
            throw ValidationError("\(name) must be between 0 and 1000000")
        }
    }

    /// The gRPC server configuration these options describe.
    var configuration: GRPCServer.Configuration {
        func seconds(_ value: Int) -> Duration? { value > 0 ? .seconds(value) : nil }
        var configuration = GRPCServer.Configuration()
        configuration.connections.keepaliveTime = seconds(keepaliveTime)
        configuration.connections.keepaliveTimeout = seconds(keepaliveTimeout)
        configuration.connections.minClientPingInterval = seconds(minClientPingInterval)
        configuration.connections.maxConnectionAge = seconds(maxConnectionAge)
        configuration.connections.maxConnectionAgeGrace = seconds(maxConnectionAgeGrace)
        configuration.descriptorHeadroom = descriptorHeadroom
        return configuration
    }
}
