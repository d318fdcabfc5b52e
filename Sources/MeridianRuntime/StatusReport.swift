import EnvoyAPI
import MeridianLoad
import MeridianServe
import MeridianTranslate

/// How a build is shown to people: diagnostics as lines, everything as JSON or YAML.
public enum StatusReport {
    /// One line per load error, in `file:line:column: field: reason` form.
    public static func errorLines(_ build: ConfigurationBuild) -> [String] {
        build.loaded.errors.map(\.description)
            + build.snapshotErrors.sorted { $0.key < $1.key }.map { "proxy group \($0.key): \($0.value)" }
    }

    /// Only the conditions that say something is not served as written, plus ignored documents.
    public static func problemLines(_ build: ConfigurationBuild) -> [String] {
        lines(build) { condition in
            condition.type.isAbnormalityWhenTrue ? condition.status : !condition.status
        }
    }

    private static func lines(_ build: ConfigurationBuild, where include: (Condition) -> Bool) -> [String] {
        var lines: [String] = []
        for status in build.translation.statuses {
            let subject = "\(status.location.file):\(status.location.line): \(status.kind) \(status.qualifiedName)"
            for condition in status.conditions where include(condition) { lines.append("\(subject): \(condition)") }
            for listener in status.listeners {
                for condition in listener.conditions where include(condition) { lines.append("\(subject) listener \(listener.name): \(condition)") }
            }
            for parent in status.parents {
                let role = status.isPolicy ? "ancestor" : "parent"
                for condition in parent.conditions where include(condition) { lines.append("\(subject) \(role) \(parent.parent): \(condition)") }
            }
        }
        for ignored in build.loaded.ignored {
            lines.append("\(ignored.location.file):\(ignored.location.line): \(ignored.apiVersion) \(ignored.kind) \(ignored.namespace.map { "\($0)/" } ?? "")\(ignored.name): ignored: \(ignored.reason)")
        }
        return lines
    }

    /// The status of every input resource as JSON values.
    public static func statusValue(_ build: ConfigurationBuild) -> JSONValue {
        func conditions(_ list: [Condition]) -> JSONValue {
            .array(list.map { condition in
                .object([
                    ("type", .string(condition.type.rawValue)),
                    ("status", .string(condition.status ? "True" : "False")),
                    ("reason", .string(condition.reason.rawValue)),
                    ("message", .string(condition.message)),
                ])
            })
        }
        let resources = build.translation.statuses.map { status -> JSONValue in
            var members: [(String, JSONValue)] = [
                ("kind", .string(status.kind)),
                ("name", .string(status.qualifiedName)),
                ("source", .string("\(status.location.file):\(status.location.line)")),
            ]
            if !status.conditions.isEmpty { members.append(("conditions", conditions(status.conditions))) }
            if !status.listeners.isEmpty {
                members.append(("listeners", .array(status.listeners.map { listener in
                    .object([
                        ("name", .string(listener.name)),
                        ("supportedKinds", .array(listener.supportedKinds.map(JSONValue.string))),
                        ("attachedRoutes", .integer(Int64(listener.attachedRoutes))),
                        ("conditions", conditions(listener.conditions)),
                    ])
                })))
            }
            if !status.parents.isEmpty {
                members.append((status.isPolicy ? "ancestors" : "parents", .array(status.parents.map { parent in
                    .object([(status.isPolicy ? "ancestorRef" : "parentRef", .string(parent.parent)), ("conditions", conditions(parent.conditions))])
                })))
            }
            return .object(members)
        }
        let ignored = build.loaded.ignored.map { document -> JSONValue in
            .object([
                ("kind", .string(document.kind)),
                ("apiVersion", .string(document.apiVersion)),
                ("name", .string((document.namespace.map { "\($0)/" } ?? "") + document.name)),
                ("source", .string("\(document.location.file):\(document.location.line)")),
                ("reason", .string(document.reason)),
            ])
        }
        return .object([
            ("valid", .bool(build.isValid)),
            ("errors", .array(errorLines(build).map(JSONValue.string))),
            ("resources", .array(resources)),
            ("ignored", .array(ignored)),
        ])
    }

    /// Each proxy group's config dump, in Envoy's admin shape.
    public static func proxyValues(_ build: ConfigurationBuild, group: String? = nil) -> [(group: String, version: String, dump: JSONValue)] {
        build.snapshots.keys.sorted().filter { group == nil || $0 == group }.map { name in
            let snapshot = build.snapshots[name]!
            return (name, snapshot.version, ConfigDump.render(snapshot))
        }
    }
}
