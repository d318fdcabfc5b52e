import ArgumentParser
import Foundation
import MeridianTranslate

/// The inputs and translation choices every configuration-reading command shares.
struct TranslationFlags: ParsableArguments {
    @Option(name: .customLong("config"), help: ArgumentHelp("A YAML file or a directory of them (repeatable).", valueName: "path"))
    var configPaths: [String] = []

    @Option(help: "DNS suffix for Services without EndpointSlices: <name>.<namespace>.svc.<domain>.")
    var clusterDomain = "cluster.local"

    @Option(help: "The address Envoy listeners bind.")
    var listenerAddress = "0.0.0.0"

    @Option(help: ArgumentHelp("Added to Gateway ports below 1024, so an unprivileged Envoy can bind them (80 becomes 8080 with 8000).", valueName: "offset"))
    var privilegedPortOffset = 0

    @Option(name: .customLong("controller-name"), help: "Serve only GatewayClasses with this controllerName (repeatable); default: every GatewayClass.")
    var controllerNames: [String] = []

    @Option(help: ArgumentHelp(
        "single: one route table per port. per-host: a port whose routes all name exact host names gets a route table per host name (Envoy's scoped routes), so a change to one host name's routes makes Envoy rebuild only that table; the Host header is then matched exactly, case included.",
        valueName: "layout"
    ))
    var routeTables: RouteTableLayout = .single

    func validate() throws {
        guard (0...64_511).contains(privilegedPortOffset) else { throw ValidationError("--privileged-port-offset must be between 0 and 64511") }
    }

    /// For commands that read files only.
    func requireConfigPaths() throws {
        guard !configPaths.isEmpty else { throw ValidationError("give at least one --config PATH") }
    }

    var options: TranslationOptions {
        var options = TranslationOptions()
        options.clusterDomain = clusterDomain
        options.listenerAddress = listenerAddress
        options.privilegedPortOffset = privilegedPortOffset
        options.controllerNames = controllerNames.isEmpty ? nil : Set(controllerNames)
        options.splitsRouteTablesByHost = routeTables == .perHost
        return options
    }
}

/// How a port's routes are laid out in Envoy route tables (`--route-tables`).
enum RouteTableLayout: String, ExpressibleByArgument, CaseIterable {
    case single
    case perHost = "per-host"
}

/// Writes a line to standard error, so diagnostics never mix with output.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
