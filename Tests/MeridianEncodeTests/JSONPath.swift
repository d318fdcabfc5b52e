import EnvoyAPI

/// One step into rendered JSON: an object key (which may contain dots, like filter names) or an array index.
enum JSONPathStep: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case key(String)
    case index(Int)

    init(stringLiteral value: String) { self = .key(value) }
    init(integerLiteral value: Int) { self = .index(value) }
}

extension JSONValue {
    /// The value at `steps`, or nil when any step is missing.
    func at(_ steps: JSONPathStep...) -> JSONValue? {
        var current: JSONValue? = self
        for step in steps {
            switch (step, current) {
            case (.key(let key), let value?): current = value[key]
            case (.index(let index), .array(let items)?): current = items.indices.contains(index) ? items[index] : nil
            default: return nil
            }
        }
        return current
    }

    /// The keys of an object, in order.
    var keys: [String] {
        guard case .object(let members) = self else { return [] }
        return members.map(\.0)
    }

    /// The number of elements of an array.
    var count: Int {
        guard case .array(let items) = self else { return 0 }
        return items.count
    }
}
