import ArgumentParser
import MeridianRuntime

/// `meridian`: an xDS control plane that serves Gateway API configuration to Envoy.
@main
struct MeridianCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meridian",
        abstract: "Translate Kubernetes Gateway API YAML into Envoy configuration and serve it over ADS.",
        version: MeridianVersion.current,
        subcommands: [ServeCommand.self, TranslateCommand.self, ValidateCommand.self, BootstrapCommand.self, StatusCommand.self, ConfigDumpCommand.self, SnapshotsCommand.self, ExplainCommand.self]
    )
}
