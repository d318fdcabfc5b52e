import MeridianLoad
import MeridianTranslate

/// Objects that could change the answer but are not in it: documents set aside for their
/// errors, and routes naming the Gateway that did not attach. The usual reasons a request
/// does not go where its author expected.
enum ObjectNotes {
    /// How many of each kind of note are listed.
    static let limit = 10

    static func notes(gateway: String, loaded: LoadedConfiguration, statuses: [ResourceStatus]) -> [String] {
        var notes: [String] = []
        for object in loaded.rejected.prefix(limit) {
            let first = object.errors.first.map { ": \($0.fieldPath.map { "\($0): " } ?? "")\($0.message)" } ?? ""
            notes.append("\(object.location.file):\(object.location.line): \(object.kind) \(object.qualifiedName) was set aside\(first); serve leaves it out")
        }
        if loaded.rejected.count > limit { notes.append("… and \(loaded.rejected.count - limit) more objects set aside") }

        let listenerSets = Set(loaded.listenerSets.filter { set in
            "\(set.spec.parentRef.namespace ?? set.metadata.namespace ?? "default")/\(set.spec.parentRef.name)" == gateway
        }.map(\.qualifiedName))
        var unattached: [String] = []
        for status in statuses where status.kind == "HTTPRoute" || status.kind == "GRPCRoute" {
            for parent in status.parents where names(parent.reference, gateway: gateway, listenerSets: listenerSets) {
                guard let refused = parent.conditions.first(where: { $0.type == .accepted && !$0.status }) else { continue }
                unattached.append("\(status.location.file):\(status.location.line): \(status.kind) \(status.qualifiedName) is not attached to \(parent.parent): \(refused.reason.rawValue): \(refused.message)")
            }
        }
        notes += unattached.prefix(limit)
        if unattached.count > limit { notes.append("… and \(unattached.count - limit) more routes not attached") }
        return notes
    }

    /// Whether a parentRef names the Gateway or one of its ListenerSets.
    private static func names(_ reference: StatusReference, gateway: String, listenerSets: Set<String>) -> Bool {
        let qualified = "\(reference.namespace ?? "default")/\(reference.name)"
        switch reference.kind {
        case "Gateway": return qualified == gateway
        case "ListenerSet": return listenerSets.contains(qualified)
        default: return false
        }
    }
}
