/// A node of a parsed YAML document, with aliases already expanded.
///
/// Every node records where it starts, so later layers can point at the exact text.
public struct YAMLNode: Sendable, Hashable {
    /// What the node holds.
    public enum Content: Sendable, Hashable {
        /// A scalar with its text and presentation style.
        case scalar(YAMLScalar)
        /// A sequence of nodes, in document order.
        case sequence([YAMLNode])
        /// A mapping; entries keep document order (duplicate keys were rejected while parsing).
        case mapping([YAMLMappingEntry])
    }

    /// The node's content.
    public var content: Content
    /// The explicit tag, fully resolved (e.g. `tag:yaml.org,2002:str` for `!!str`), or nil when untagged.
    public var tag: String?
    /// Where the node starts in the source (for block collections: their first key or `-`).
    public var location: SourceLocation

    /// Creates a node.
    public init(content: Content, tag: String? = nil, location: SourceLocation) {
        self.content = content
        self.tag = tag
        self.location = location
    }

    /// The scalar, if this node is one.
    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    /// True for a scalar that YAML resolves to null: an untagged plain `""`, `~` or `null`, or an explicit `!!null`.
    public var isNull: Bool {
        guard case .scalar(let scalar) = content else { return false }
        return YAMLScalarResolution.resolve(scalar, tag: tag) == .null
    }
}

/// One `key: value` pair of a YAML mapping.
public struct YAMLMappingEntry: Sendable, Hashable {
    /// The key node (a scalar for every Kubernetes document).
    public var key: YAMLNode
    /// The value node.
    public var value: YAMLNode

    /// Creates an entry.
    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}

/// A YAML scalar: its text after unescaping and folding, and how it was written.
public struct YAMLScalar: Sendable, Hashable {
    /// The scalar's value as text.
    public var text: String
    /// How the scalar was written; only plain scalars are subject to type resolution.
    public var style: YAMLScalarStyle

    /// Creates a scalar.
    public init(text: String, style: YAMLScalarStyle) {
        self.text = text
        self.style = style
    }

    /// True when the scalar was written without quotes or block indicators.
    public var isPlain: Bool { style == .plain }
}

/// The presentation style of a YAML scalar.
public enum YAMLScalarStyle: Sendable, Hashable {
    /// `value`
    case plain
    /// `'value'`
    case singleQuoted
    /// `"value"`
    case doubleQuoted
    /// `|` block
    case literal
    /// `>` block
    case folded
}

/// One document of a YAML stream, with its root node and position in the stream.
public struct YAMLDocument: Sendable, Hashable {
    /// The document's root node.
    public var root: YAMLNode
    /// 0-based position of the document in its file, counting empty documents too,
    /// so it matches what a reader counts between `---` markers.
    public var index: Int
    /// Problems that do not stop parsing but make the document unusable (duplicate keys, non-scalar keys).
    public var errors: [LoadError]

    /// Creates a document.
    public init(root: YAMLNode, index: Int, errors: [LoadError] = []) {
        self.root = root
        self.index = index
        self.errors = errors
    }
}
