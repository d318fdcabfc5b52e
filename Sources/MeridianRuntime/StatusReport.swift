import Foundation
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

    /// The status of every input resource as JSON values, each in the Gateway API's own
    /// shape (what a Kubernetes controller writes to `status`), with where it was written.
    public static func statusValue(_ build: ConfigurationBuild, now: Date = Date()) -> JSONValue {
        let transition = transitionTime(now)
        let resources = build.translation.statuses.map { status -> JSONValue in
            var metadata: [(String, JSONValue)] = [("name", .string(status.name))]
            if let namespace = status.namespace { metadata.append(("namespace", .string(namespace))) }
            if let generation = status.generation { metadata.append(("generation", .integer(Int64(generation)))) }
            var members: [(String, JSONValue)] = []
            if let apiVersion = status.apiVersion { members.append(("apiVersion", .string(apiVersion))) }
            members += [
                ("kind", .string(status.kind)),
                ("metadata", .object(metadata)),
                ("source", .string("\(status.location.file):\(status.location.line)")),
                ("status", statusBody(status, transition: transition)),
            ]
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

    /// A time as Kubernetes writes `lastTransitionTime`: RFC 3339, seconds, UTC.
    static func transitionTime(_ now: Date) -> String {
        now.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false).timeZone(separator: .omitted))
            .replacingOccurrences(of: "+0000", with: "Z")
    }

    /// One resource's `status` in the Gateway API's shape, every condition with the resource's
    /// `observedGeneration`. `parents` (default: all) are the `parents`/`ancestors` entries to
    /// include: a Kubernetes status writer includes only its own controllers'.
    public static func statusBody(_ status: ResourceStatus, transition: String, parents: [ParentStatus]? = nil) -> JSONValue {
        func conditions(_ list: [Condition]) -> JSONValue {
            .array(list.map { condition in
                var members: [(String, JSONValue)] = [
                    ("type", .string(condition.type.rawValue)),
                    ("status", .string(condition.status ? "True" : "False")),
                    ("reason", .string(condition.reason.rawValue)),
                    ("message", .string(condition.message)),
                ]
                if let generation = status.generation { members.append(("observedGeneration", .integer(Int64(generation)))) }
                members.append(("lastTransitionTime", .string(transition)))
                return .object(members)
            })
        }
        func reference(_ reference: StatusReference) -> JSONValue {
            var members: [(String, JSONValue)] = [("group", .string(reference.group)), ("kind", .string(reference.kind))]
            if let namespace = reference.namespace { members.append(("namespace", .string(namespace))) }
            members.append(("name", .string(reference.name)))
            if let section = reference.sectionName { members.append(("sectionName", .string(section))) }
            if let port = reference.port { members.append(("port", .integer(Int64(port)))) }
            return .object(members)
        }
        var body: [(String, JSONValue)] = []
        if !status.conditions.isEmpty { body.append(("conditions", conditions(status.conditions))) }
        if !status.listeners.isEmpty {
            body.append(("listeners", .array(status.listeners.map { listener in
                .object([
                    ("name", .string(listener.name)),
                    ("supportedKinds", .array(listener.supportedKinds.map { .object([("group", .string($0.group)), ("kind", .string($0.kind))]) })),
                    ("attachedRoutes", .integer(Int64(listener.attachedRoutes))),
                    ("conditions", conditions(listener.conditions)),
                ])
            })))
        }
        if let count = status.attachedListenerSets {
            body.append(("attachedListenerSets", .integer(Int64(count))))
        }
        // Given explicitly (even empty, so a writer can take its old entries out), or any.
        if parents != nil || !status.parents.isEmpty {
            body.append((status.isPolicy ? "ancestors" : "parents", .array((parents ?? status.parents).map { parent in
                var members: [(String, JSONValue)] = [(status.isPolicy ? "ancestorRef" : "parentRef", reference(parent.reference))]
                if let controller = parent.controllerName { members.append(("controllerName", .string(controller))) }
                members.append(("conditions", conditions(parent.conditions)))
                return .object(members)
            })))
        }
        return .object(body)
    }

    /// Each proxy group's config dump, in Envoy's admin shape.
    public static func proxyValues(_ build: ConfigurationBuild, group: String? = nil) -> [(group: String, version: String, dump: JSONValue)] {
        build.snapshots.keys.sorted().filter { group == nil || $0 == group }.map { name in
            let snapshot = build.snapshots[name]!
            return (name, snapshot.version, ConfigDump.render(snapshot))
        }
    }
}
