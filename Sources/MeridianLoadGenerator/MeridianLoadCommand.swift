import ArgumentParser

/// `meridian-load`: Envoy-like ADS clients by the thousand, and a replay baseline server.
@main
struct MeridianLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meridian-load",
        abstract: "Load-test an xDS server with simulated Envoy proxies (loopback only).",
        subcommands: [RunCommand.self, CaptureCommand.self, BaselineCommand.self]
    )
}
