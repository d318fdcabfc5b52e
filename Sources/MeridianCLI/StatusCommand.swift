import ArgumentParser

/// `meridian status`: the connected proxies of a running serve, one row per proxy and one
/// column per resource type, as `istioctl proxy-status` shows them.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the proxies connected to a running meridian serve: per type SYNCED, STALE, NACKED (with Envoy's error) or NOT_SENT."
    )

    @OptionGroup var admin: AdminAddressFlag

    @Option(help: "text (a table) or json.")
    var output: OutputFormat = .text

    func run() async throws {
        try await admin.client.printAnswer(output == .json ? "/proxies" : "/proxies?format=text")
    }
}

/// `meridian config-dump`: what a running serve serves a proxy group now, in Envoy's
/// `/config_dump` shape.
struct ConfigDumpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config-dump",
        abstract: "Print what a running meridian serve serves a proxy group, as Envoy's /config_dump."
    )

    @OptionGroup var admin: AdminAddressFlag

    @Option(help: ArgumentHelp("The proxy group (a Gateway's namespace/name); optional when only one is served.", valueName: "ns/name"))
    var group: String?

    @Option(help: ArgumentHelp("Only one type: Cluster, ClusterLoadAssignment, Listener, RouteConfiguration, Secret (or cds, eds, lds, rds, sds, or a type URL).", valueName: "type"))
    var type: String?

    @Option(help: "yaml or json.")
    var output: DumpFormat = .yaml

    enum DumpFormat: String, ExpressibleByArgument {
        case yaml, json
    }

    func run() async throws {
        var query = [String]()
        if let group { query.append("group=\(queryValue(group))") }
        if let type { query.append("type=\(queryValue(type))") }
        if output == .yaml { query.append("format=text") }
        try await admin.client.printAnswer("/config_dump" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
    }
}

enum OutputFormat: String, ExpressibleByArgument {
    case text, json
}
