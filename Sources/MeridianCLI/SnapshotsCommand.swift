import ArgumentParser
import Foundation

/// `meridian snapshots`: the history of a running `serve` (list, show, diff) and pinning
/// (rollback, unpin), through its admin API. Exit status: 0 done, 1 the server refused
/// (unknown version, nothing pinned, ...), 2 the server could not be reached.
struct SnapshotsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshots",
        abstract: "List, show and diff the versions a running meridian serve has served; roll a group back to one, and unpin it.",
        subcommands: [List.self, Show.self, Diff.self, Rollback.self, Unpin.self]
    )

    /// Where the server is and how to print its answer.
    struct Connection: ParsableArguments {
        @OptionGroup var admin: AdminAddressFlag

        @Option(help: "text (for people) or json.")
        var output: OutputFormat = .text

        /// Sends the request and prints the answer; exits 1 on a refusal, 2 when unreachable.
        func run(_ method: String, _ path: String, query: [(String, String?)] = []) async throws {
            let parameters = (query + [("format", output == .text ? "text" : nil)]).compactMap { name, value in
                value.map { "\(name)=\(queryValue($0))" }
            }
            try await admin.client.printAnswer(path + (parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&")), method: method)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each group's versions, newest first: when recorded, live or pinned, ACKs and NACKs, what changed.")
        @OptionGroup var connection: Connection

        func run() async throws { try await connection.run("GET", "/snapshots") }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One version's resources, as Envoy's /config_dump (YAML as text).")
        @Argument(help: "A version, or a unique prefix of one (12 characters as `list` shows).")
        var version: String
        @Option(help: "Only one type: Cluster, ClusterLoadAssignment, Listener, RouteConfiguration or Secret.")
        var type: String?
        @OptionGroup var connection: Connection

        func run() async throws { try await connection.run("GET", "/snapshots/\(segment(version))", query: [("type", type)]) }
    }

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resources added, removed and changed from version A to version B, as a unified diff of their config dump.")
        @Argument(help: "The older version (or a unique prefix).")
        var from: String
        @Argument(help: "The newer version (or a unique prefix).")
        var to: String
        @OptionGroup var connection: Connection

        func run() async throws { try await connection.run("GET", "/snapshots/\(segment(from))/diff/\(segment(to))") }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pin a group to an earlier version: it is served until unpin, while new file changes are still validated and recorded."
        )
        @Option(help: "The version to serve (or a unique prefix).")
        var to: String
        @Option(help: "The proxy group (namespace/gateway); needed only when the version was served to several.")
        var group: String?
        @OptionGroup var connection: Connection

        func run() async throws { try await connection.run("POST", "/snapshots/rollback", query: [("to", to), ("group", group)]) }
    }

    struct Unpin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve a pinned group its newest valid build again (every pinned group without --group).")
        @Option(help: "The proxy group (namespace/gateway).")
        var group: String?
        @OptionGroup var connection: Connection

        func run() async throws { try await connection.run("POST", "/snapshots/unpin", query: [("group", group)]) }
    }
}

/// A user's text as one path segment of a URL.
private func segment(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
}
