import ArgumentParser
import EnvoyAPI
import MeridianRuntime

/// `meridian translate`: what `serve` would serve, as Envoy config dumps, then every resource's status.
struct TranslateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Print what serve would serve, in the shape of Envoy's /config_dump, followed by the status of each input resource."
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case yaml
        case json
    }

    @OptionGroup var flags: TranslationFlags

    func validate() throws { try flags.requireConfigPaths() }

    @Option(help: "yaml (one document per proxy group, then a status document) or json (one object).")
    var output: OutputFormat = .yaml

    @Option(help: ArgumentHelp("Only this proxy group's config dump.", valueName: "namespace/name"))
    var gateway: String?

    @Flag(help: "Exit 1 also when a resource is not fully accepted (any False condition).")
    var strict = false

    func run() throws {
        let build = ConfigurationPipeline.build(paths: flags.configPaths, options: flags.options)
        let proxies = StatusReport.proxyValues(build, group: gateway)
        switch output {
        case .json:
            let value = JSONValue.object([
                ("proxies", .array(proxies.map { .object([("group", .string($0.group)), ("version", .string($0.version)), ("config_dump", $0.dump)]) })),
                ("status", StatusReport.statusValue(build)),
            ])
            print(value.json())
        case .yaml:
            for proxy in proxies {
                print("# proxy group \(proxy.group), version \(proxy.version)")
                print(proxy.dump.yaml(), terminator: "")
                print("---")
            }
            print("# status")
            print(StatusReport.statusValue(build).yaml(), terminator: "")
        }
        for line in StatusReport.errorLines(build) { printError(line) }
        if !build.isValid || (strict && !build.isFullyHealthy) { throw ExitCode.failure }
    }
}

/// `meridian validate`: only the diagnostics.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check configuration files: print every error (file:line:column: field: reason) and every status problem."
    )

    @OptionGroup var flags: TranslationFlags

    @Flag(help: "Exit 1 also when a resource is not fully accepted (any False condition).")
    var strict = false

    func validate() throws { try flags.requireConfigPaths() }

    func run() throws {
        let build = ConfigurationPipeline.build(paths: flags.configPaths, options: flags.options)
        for line in StatusReport.errorLines(build) { print(line) }
        for line in StatusReport.problemLines(build) { print(line) }
        let counts = "\(build.loaded.files.count) files, \(build.loaded.gateways.count) Gateways, \(build.loaded.httpRoutes.count) HTTPRoutes, \(build.loaded.grpcRoutes.count) GRPCRoutes, \(build.loaded.errors.count) errors"
        if build.isValid {
            print("valid: \(counts)")
        } else {
            print("invalid: \(counts)")
        }
        if !build.isValid || (strict && !build.isFullyHealthy) { throw ExitCode.failure }
    }
}
