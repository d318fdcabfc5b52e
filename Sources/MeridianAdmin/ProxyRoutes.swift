import EnvoyAPI
import Foundation
import Hummingbird
import MeridianServe

/// `/proxies`: every connected proxy, its xDS protocol (sotw or delta), and for each resource type
/// the version sent, the version ACKed and the state (SYNCED, STALE, NACKED with Envoy's error,
/// NOT_SENT); for delta streams also what the last response added and removed.
enum ProxyRoutes {
    static func add(to router: Router<BasicRequestContext>, sources: AdminSources) {
        router.get("/proxies") { request, _ in
            let proxies = sources.proxies.proxies
            return AdminResponses.answer(request, json: .array(proxies.map { SnapshotRoutes.pinned(json($0), cluster: $0.node.cluster, history: sources.history) })) {
                table(proxies) + SnapshotRoutes.pinNotes(proxies, history: sources.history)
            }
        }
    }

    /// The types a proxy can be sent, in push order.
    static let types = ResourceType.allCases.sorted()

    static func json(_ proxy: ProxyStatusRegistry.Proxy) -> JSONValue {
        .object([
            ("node_id", .string(proxy.node.id)),
            ("group", .string(proxy.node.cluster)),
            ("peer", .string(proxy.peer)),
            ("xds_protocol", .string(proxy.xdsProtocol.rawValue)),
            ("service", .string(proxy.service)),
            ("connected_since", .string(timestamp(proxy.connectedAt))),
            ("types", .array(types.map { type in
                let status = proxy.types[type]
                var members: [(String, JSONValue)] = [
                    ("type", .string(type.shortName)),
                    ("type_url", .string(type.typeURL)),
                    ("state", .string(ProxySyncState(status).rawValue)),
                    ("version_sent", status?.sentVersion.map(JSONValue.string) ?? .null),
                    ("version_acked", status?.acknowledgedVersion.map(JSONValue.string) ?? .null),
                    ("responses_sent", .integer(Int64(status?.responsesSent ?? 0))),
                    ("bytes_sent", .integer(Int64(status?.bytesSent ?? 0))),
                ]
                if let added = status?.sentResourceCount, let removed = status?.sentRemovedCount {
                    // Delta: what the last response changed.
                    members.append(("last_sent", .object([("resources", .integer(Int64(added))), ("removed", .integer(Int64(removed)))])))
                }
                if let rejection = status?.lastRejection {
                    members.append(("last_nack", .object([
                        ("version", .string(rejection.version)),
                        ("error", .string(rejection.message)),
                        ("at", .string(timestamp(rejection.at))),
                    ])))
                }
                return .object(members)
            })),
        ])
    }

    /// `istioctl proxy-status`'s table: one row per proxy, one column per type, then the NACKs.
    /// What the proxies sent is escaped (`ClientText`): this text goes to a terminal.
    static func table(_ proxies: [ProxyStatusRegistry.Proxy]) -> String {
        guard !proxies.isEmpty else { return "no proxy is connected" }
        let header = ["NAME", "GROUP", "XDS"] + types.map(\.shortName) + ["PEER"]
        let rows = proxies.map { proxy in
            [ClientText.escaped(proxy.node.id), ClientText.escaped(proxy.node.cluster), proxy.xdsProtocol.rawValue] + types.map { type -> String in
                let status = proxy.types[type]
                let state = ProxySyncState(status)
                let version = (state == .nacked ? status?.acknowledgedVersion : status?.sentVersion).map { " " + ClientText.escaped(String($0.prefix(12))) } ?? ""
                return state.rawValue + version
            } + [ClientText.escaped(proxy.peer)]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        var lines = [line(header)] + rows.map(line)
        for proxy in proxies {
            for type in types {
                guard let rejection = proxy.types[type]?.lastRejection, ProxySyncState(proxy.types[type]) == .nacked else { continue }
                let error = ClientText.escaped(rejection.message, limit: ClientText.rejectionMessageLimit)
                lines.append("\(ClientText.escaped(proxy.node.id)) NACKED \(type.shortName) \(rejection.version.prefix(12)) at \(timestamp(rejection.at)): \(error)")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false).timeZone(separator: .omitted))
            .replacingOccurrences(of: "+0000", with: "Z")
    }
}
