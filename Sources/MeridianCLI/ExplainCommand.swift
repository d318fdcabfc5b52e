import ArgumentParser
import Foundation
import MeridianExplain
import MeridianRuntime

/// `meridian explain`: where Envoy would send one request, and why, worked out offline from
/// the same files and translation `serve` uses.
///
/// Exit status: 0 when the request is served (forwarded, redirected, or answered on purpose
/// with 2xx/3xx); 1 when the answer is an error (404, 421, 500, 503, a refused connection);
/// 2 for bad usage or a configuration that cannot be served.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain how the Gateway would route one request: listener, virtual host, route rule (file:line), backends with weights, policies, or why it would not be served.",
        discussion: "Exit status: 0 served (2xx/3xx), 1 an error answer (404, 421, 500, 503, refused), 2 bad usage or an unservable configuration."
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @OptionGroup var flags: TranslationFlags

    @Option(help: ArgumentHelp("The Gateway (proxy group) the request is sent to.", valueName: "namespace/name"))
    var gateway: String

    @Option(help: ArgumentHelp("The Host header; a port in it is ignored for matching.", valueName: "host"))
    var host: String

    @Option(help: ArgumentHelp("The request path, optionally with a query string.", valueName: "path"))
    var path: String

    @Option(help: "The HTTP method.")
    var method = "GET"

    @Option(name: .customLong("header"), help: ArgumentHelp("A request header (repeatable).", valueName: "name=value"))
    var headers: [String] = []

    @Option(name: .customLong("query"), help: ArgumentHelp("A query parameter, as written in the URL (repeatable).", valueName: "name=value"))
    var queryParameters: [String] = []

    @Option(help: ArgumentHelp("The port connected to: the Gateway's (80) or Envoy's (8080 with an offset). Needed when the Gateway has several.", valueName: "port"))
    var port: Int?

    @Option(name: .customLong("sni"), help: ArgumentHelp("The TLS server name on an HTTPS port (default: the host; an empty name sends none).", valueName: "name"))
    var serverName: String?

    @Option(help: "text (for people) or json (for scripts).")
    var output: OutputFormat = .text

    func validate() throws {
        try flags.requireConfigPaths()
        for header in headers where HeaderField(assignment: header) == nil {
            throw ValidationError("--header must be name=value, got \"\(header)\"")
        }
        for parameter in queryParameters where HeaderField(assignment: parameter) == nil {
            throw ValidationError("--query must be name=value, got \"\(parameter)\"")
        }
        if let port, !(1...65_535).contains(port) { throw ValidationError("--port must be between 1 and 65535") }
    }

    func run() throws {
        let options = flags.options
        let build = ConfigurationPipeline.build(paths: flags.configPaths, options: options)
        guard build.isServable else {
            printError("meridian explain: serve would serve nothing from this configuration:")
            for line in StatusReport.errorLines(build) { printError(line) }
            throw ExitCode(2)
        }
        if let error = build.snapshotErrors[gateway] {
            printError("meridian explain: serve would refuse the snapshot of \(gateway): \(error)")
            throw ExitCode(2)
        }
        // Objects set aside are left out, as serve leaves them out; say so on stderr too.
        for line in StatusReport.errorLines(build) { printError("warning: \(line)") }

        let request = ExplainRequest(
            method: method, host: host,
            path: ExplainRequest.path(path, appending: queryParameters.compactMap(HeaderField.init(assignment:))),
            headers: headers.compactMap(HeaderField.init(assignment:)), port: port, serverName: serverName
        )
        let explanation: Explanation
        do {
            explanation = try RequestExplainer(loaded: build.loaded, translation: build.translation, options: options).explain(request, gateway: gateway)
        } catch {
            printError("meridian explain: \(error)")
            throw ExitCode(2)
        }
        switch output {
        case .text:
            print(ExplanationText.render(explanation), terminator: "")
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(explanation), as: UTF8.self))
        }
        if !explanation.outcome.served { throw ExitCode.failure }
    }
}
