import EnvoyAPI
import Foundation
import MeridianHistory
import MeridianServe

/// The history as JSON and as text for people (`/snapshots`, `/snapshots/A/diff/B`).
enum SnapshotViews {
    static func json(_ overview: HistoryOverview) -> JSONValue {
        .object([
            ("state_dir", overview.stateDirectory.map(JSONValue.string) ?? .null),
            ("entries", .integer(Int64(overview.entryCount))),
            ("bytes", .integer(Int64(overview.byteCount))),
            ("limits", .object([("max_entries", .integer(Int64(overview.limits.maxEntries))), ("max_bytes", .integer(Int64(overview.limits.maxBytes)))])),
            ("groups", .array(overview.groups.map { group in
                .object([
                    ("group", .string(group.group)),
                    ("live", group.live.map(JSONValue.string) ?? .null),
                    ("latest", group.latest.map(JSONValue.string) ?? .null),
                    ("pinned", group.pin.map { .object([("version", .string($0.version)), ("since", .string(ProxyRoutes.timestamp($0.since)))]) } ?? .null),
                    ("entries", .array(group.entries.map { json($0, in: group) })),
                ])
            })),
        ])
    }

    static func json(_ entry: HistoryEntry, in group: HistoryOverview.Group) -> JSONValue {
        // Several entries may have one version (a revert); the flags belong to the newest.
        let newestOfVersion = group.entries.first { $0.version == entry.version }?.sequence == entry.sequence
        func names(_ changes: NameChanges) -> JSONValue {
            .object([
                ("added", .array(changes.added.map(JSONValue.string))),
                ("removed", .array(changes.removed.map(JSONValue.string))),
                ("changed", .array(changes.changed.map(JSONValue.string))),
                ("omitted", .integer(Int64(changes.omitted))),
            ])
        }
        return .object([
            ("sequence", .integer(Int64(entry.sequence))),
            ("version", .string(entry.version)),
            ("recorded_at", .string(ProxyRoutes.timestamp(entry.recordedAt))),
            ("served_at", entry.servedAt.map { .string(ProxyRoutes.timestamp($0)) } ?? .null),
            ("live", .bool(newestOfVersion && group.live == entry.version)),
            ("latest", .bool(entry.sequence == group.entries.first?.sequence && group.latest == entry.version)),
            ("pinned", .bool(newestOfVersion && group.pin?.version == entry.version)),
            ("resources", .integer(Int64(entry.resourceCount))),
            ("bytes", .integer(Int64(entry.byteCount))),
            ("changes", .object([
                ("baseline_known", .bool(entry.changes.baselineKnown)),
                ("files", names(entry.changes.files)),
                ("objects", names(entry.changes.objects)),
            ])),
            ("acked", .array(entry.proxies.acked.map { .object([("node", .string($0.node)), ("at", .string(ProxyRoutes.timestamp($0.at)))]) })),
            ("nacked", .array(entry.proxies.nacked.map {
                .object([("node", .string($0.node)), ("type", .string($0.type)), ("error", .string($0.error)), ("at", .string(ProxyRoutes.timestamp($0.at)))])
            })),
            ("proxies_truncated", .bool(entry.proxies.truncated)),
        ])
    }

    /// One block per group: what it is served and whether it is pinned, then a table of its
    /// entries, newest first, and the NACKs with Envoy's words.
    static func text(_ overview: HistoryOverview) -> String {
        guard !overview.groups.isEmpty else { return "no snapshot has been recorded yet" }
        var lines: [String] = []
        for group in overview.groups {
            var heading = "\(group.group): serving \(group.live.map(SnapshotDiff.abbreviated) ?? "nothing")"
            if let pin = group.pin {
                heading += ", PINNED since \(ProxyRoutes.timestamp(pin.since))"
                if let latest = group.latest, latest != pin.version { heading += "; newest build \(SnapshotDiff.abbreviated(latest)) not served" }
            }
            lines.append(heading)
            let header = ["SEQ", "VERSION", "RECORDED", "STATE", "ACK", "NACK", "CHANGES"]
            let rows = group.entries.map { entry -> [String] in
                let newestOfVersion = group.entries.first { $0.version == entry.version }?.sequence == entry.sequence
                var state: [String] = []
                if newestOfVersion, group.live == entry.version { state.append("live") }
                if newestOfVersion, group.pin?.version == entry.version { state.append("pinned") }
                if entry.servedAt == nil { state.append("never-served") }
                return [
                    String(entry.sequence), SnapshotDiff.abbreviated(entry.version), ProxyRoutes.timestamp(entry.recordedAt),
                    state.isEmpty ? "-" : state.joined(separator: ","),
                    String(entry.proxies.acked.count) + (entry.proxies.truncated ? "+" : ""), String(entry.proxies.nacked.count),
                    summary(entry.changes),
                ]
            }
            lines += table([header] + rows).map { "  " + $0 }
            for entry in group.entries {
                for nack in entry.proxies.nacked {
                    // The node id and Envoy's text come from a proxy, and this goes to a terminal.
                    let error = ClientText.escaped(nack.error, limit: ClientText.rejectionMessageLimit)
                    lines.append("  \(SnapshotDiff.abbreviated(entry.version)) NACKED by \(ClientText.escaped(nack.node)) (\(nack.type)) at \(ProxyRoutes.timestamp(nack.at)): \(error)")
                }
            }
        }
        lines.append("\(overview.entryCount) entries, \(overview.byteCount) bytes of snapshots (limits \(overview.limits.maxEntries) entries, \(overview.limits.maxBytes) bytes) \(overview.stateDirectory.map { "in \($0)" } ?? "in memory only")")
        return lines.joined(separator: "\n")
    }

    /// `files ~routes.yaml +b.yaml; objects ~HTTPRoute ns/a`, or what is known of it.
    static func summary(_ changes: InputChanges) -> String {
        guard changes.baselineKnown else {
            // The first entry, or the inputs of the one before were lost in a crash.
            return "nothing to compare with: \(count(changes.files)) files, \(count(changes.objects)) objects"
        }
        func part(_ label: String, _ names: NameChanges) -> String? {
            guard !names.isEmpty else { return nil }
            let listed = names.changed.map { "~" + $0 } + names.added.map { "+" + $0 } + names.removed.map { "-" + $0 }
            let shown = listed.prefix(4).joined(separator: " ")
            let more = listed.count - min(listed.count, 4) + names.omitted
            return "\(label) \(shown)\(more > 0 ? " (+\(more) more)" : "")"
        }
        let parts = [part("files", changes.files.shortened), part("objects", changes.objects)].compactMap { $0 }
        return parts.isEmpty ? "no input change" : parts.joined(separator: "; ")
    }

    private static func count(_ names: NameChanges) -> Int {
        names.added.count + names.changed.count + names.removed.count + names.omitted
    }

    static func table(_ rows: [[String]]) -> [String] {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { cells in
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
    }

    static func json(_ diff: SnapshotDiff) -> JSONValue {
        func key(_ key: SnapshotDiff.Key) -> JSONValue { .object([("type", .string(key.type.shortName)), ("name", .string(key.name))]) }
        return .object([
            ("from", .string(diff.from)),
            ("to", .string(diff.to)),
            ("added", .array(diff.added.map(key))),
            ("removed", .array(diff.removed.map(key))),
            ("changed", .array(diff.changed.map { change in
                .object([("type", .string(change.key.type.shortName)), ("name", .string(change.key.name)), ("diff", .string(change.diff))])
            })),
            ("unchanged", .integer(Int64(diff.unchanged))),
        ])
    }
}

private extension NameChanges {
    /// File names without their directory, which is the same for all in a table.
    var shortened: NameChanges {
        func base(_ path: String) -> String { (path as NSString).lastPathComponent }
        return NameChanges(added: added.map(base), removed: removed.map(base), changed: changed.map(base), omitted: omitted)
    }
}
