// Pure Swift: consumes the events LibYAMLEventReader copied out of libyaml.

/// Builds node trees from libyaml events: anchors, bounded alias expansion, merge keys,
/// duplicate-key detection and the nesting and size bounds.
///
/// Documents are handed over one by one as they end, so only one document's tree is in
/// memory at a time. Alias expansion is bounded per file (in nodes and in bytes), so many
/// small documents cannot add up to what one large one may not.
struct YAMLComposer {
    let file: String
    let limits: LoadLimits

    /// A finished node with the bookkeeping the limits need.
    private struct Built {
        var node: YAMLNode
        /// Nodes in the subtree, counting expanded aliases.
        var count: Int
        /// Bytes of scalar text in the subtree (keys included), counting expanded aliases.
        var bytes: Int
        /// Levels of nesting in the subtree (1 for a scalar).
        var height: Int
    }

    /// A collection whose end event has not arrived yet.
    private struct OpenCollection {
        var isMapping: Bool
        /// The collection's path from the document root, for messages about its keys.
        var path: FieldPath
        var anchor: String?
        var tag: String?
        var location: SourceLocation
        var items: [YAMLNode] = []
        var entries: [YAMLMappingEntry] = []
        var pendingKey: YAMLNode?
        var keyLines: [String: Int] = [:]
        var mergeSources: [YAMLNode] = []
        var count = 1
        var bytes = 0
        var childHeight = 0
    }

    private enum Stop: Error {
        case fatal(LoadError)
    }

    private var anchors: [String: Built] = [:]
    private var stack: [OpenCollection] = []
    /// Nodes and bytes aliases added to the file so far.
    private var expandedNodes = 0
    private var expandedBytes = 0
    /// Nodes of the current document so far.
    private var documentNodes = 0
    private var documentErrors: ErrorBudget
    private var root: YAMLNode?

    init(file: String, limits: LoadLimits) {
        self.file = file
        self.limits = limits
        documentErrors = ErrorBudget(limit: limits.maxErrorsPerDocument, scope: .document)
    }

    /// Every document of the stream, and the error that stopped parsing, if any.
    mutating func compose(_ reader: LibYAMLEventReader) -> YAMLParseResult {
        var documents: [YAMLDocument] = []
        let streamError = compose(reader) { document in
            documents.append(document)
            return true
        }
        return YAMLParseResult(documents: documents, streamError: streamError)
    }

    /// Hands each complete, non-empty document to `body` as soon as it ends, until `body`
    /// returns false; returns the error that stopped parsing, if any.
    mutating func compose(_ reader: LibYAMLEventReader, _ body: (YAMLDocument) -> Bool) -> LoadError? {
        do {
            try run(reader, body)
        } catch {
            switch error {
            case .fatal(let loadError):
                return loadError
            }
        }
        return nil
    }

    private mutating func run(_ reader: LibYAMLEventReader, _ body: (YAMLDocument) -> Bool) throws(Stop) {
        var documentIndex = 0
        loop: while true {
            let event: YAMLParseEvent
            do {
                event = try reader.nextEvent()
            } catch {
                throw Stop.fatal(LoadError(code: .malformedYAML, message: error.message, location: location(error.mark)))
            }
            switch event {
            case .streamStart:
                continue
            case .streamEnd:
                break loop
            case .documentStart:
                anchors = [:]
                stack = []
                documentNodes = 0
                documentErrors = ErrorBudget(limit: limits.maxErrorsPerDocument, scope: .document)
                root = nil
            case .documentEnd:
                if let root, !root.isNull, !body(YAMLDocument(root: root, index: documentIndex, errors: documentErrors.errors)) {
                    return
                }
                root = nil
                anchors = [:]
                documentIndex += 1
            case .scalar(let text, let anchor, let tag, let style, let mark):
                let node = YAMLNode(content: .scalar(YAMLScalar(text: text, style: style)), tag: tag, location: location(mark))
                try count(nodes: 1, at: node.location)
                try finish(Built(node: node, count: 1, bytes: text.utf8.count, height: 1), anchor: anchor)
            case .alias(let anchor, let mark):
                try expandAlias(anchor, at: location(mark))
            case .sequenceStart(let anchor, let tag, let mark):
                try open(OpenCollection(isMapping: false, path: childPath(), anchor: anchor, tag: tag, location: location(mark)))
            case .mappingStart(let anchor, let tag, let mark):
                try open(OpenCollection(isMapping: true, path: childPath(), anchor: anchor, tag: tag, location: location(mark)))
            case .sequenceEnd, .mappingEnd:
                let collection = stack.removeLast()
                try finish(close(collection), anchor: collection.anchor)
            }
        }
    }

    private func location(_ mark: YAMLMark) -> SourceLocation {
        SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    /// The path of the node about to start: the next item of a sequence or the value of the pending key.
    private func childPath() -> FieldPath {
        guard let parent = stack.last else { return .root }
        if !parent.isMapping { return parent.path.index(parent.items.count) }
        if let key = parent.pendingKey?.scalar?.text { return parent.path.field(key) }
        return parent.path
    }

    private mutating func open(_ collection: OpenCollection) throws(Stop) {
        if stack.count + 1 > limits.maxNestingDepth {
            throw .fatal(nestingError(at: collection.location))
        }
        try count(nodes: 1, at: collection.location)
        stack.append(collection)
    }

    /// Counts nodes into the document's total, which may not pass `maxNodesPerDocument`.
    private mutating func count(nodes: Int, at location: SourceLocation) throws(Stop) {
        documentNodes += nodes
        if documentNodes > limits.maxNodesPerDocument {
            throw .fatal(LoadError(
                code: .sizeLimit,
                message: "the document has more than \(limits.maxNodesPerDocument) nodes; the rest of the file was not read",
                location: location
            ))
        }
    }

    private func nestingError(at location: SourceLocation) -> LoadError {
        LoadError(
            code: .nestingLimit,
            message: "nesting exceeds the limit of \(limits.maxNestingDepth) levels",
            location: location
        )
    }

    private mutating func expandAlias(_ anchor: String, at location: SourceLocation) throws(Stop) {
        guard let target = anchors[anchor] else {
            throw .fatal(LoadError(
                code: .malformedYAML,
                message: "alias *\(anchor) does not refer to a complete node anchored earlier in the document",
                location: location
            ))
        }
        expandedNodes += target.count
        if expandedNodes > limits.maxAliasExpandedNodes {
            throw .fatal(LoadError(
                code: .aliasLimit,
                message: "alias expansion exceeds the limit of \(limits.maxAliasExpandedNodes) nodes per file",
                location: location
            ))
        }
        expandedBytes += target.bytes
        if expandedBytes > limits.maxAliasExpandedBytes {
            throw .fatal(LoadError(
                code: .aliasLimit,
                message: "alias expansion exceeds the limit of \(limits.maxAliasExpandedBytes) bytes per file",
                location: location
            ))
        }
        if stack.count + target.height > limits.maxNestingDepth {
            throw .fatal(nestingError(at: location))
        }
        try count(nodes: target.count, at: location)
        try finish(target, anchor: nil)
    }

    private mutating func close(_ collection: OpenCollection) -> Built {
        let height = collection.childHeight + 1
        guard collection.isMapping else {
            let node = YAMLNode(content: .sequence(collection.items), tag: collection.tag, location: collection.location)
            return Built(node: node, count: collection.count, bytes: collection.bytes, height: height)
        }
        var entries = collection.entries
        if !collection.mergeSources.isEmpty {
            // Explicit keys win over merged ones; among merged mappings the first listed wins.
            var present = Set(collection.keyLines.keys)
            for source in collection.mergeSources {
                let mappings: [YAMLNode]
                if case .sequence(let items) = source.content { mappings = items } else { mappings = [source] }
                for mapping in mappings {
                    guard case .mapping(let merged) = mapping.content else { continue }
                    for entry in merged {
                        guard let key = entry.key.scalar?.text, !present.contains(key) else { continue }
                        present.insert(key)
                        entries.append(entry)
                    }
                }
            }
        }
        let node = YAMLNode(content: .mapping(entries), tag: collection.tag, location: collection.location)
        return Built(node: node, count: collection.count, bytes: collection.bytes, height: height)
    }

    /// Records a finished node: registers its anchor, then attaches it to its parent (or makes it the root).
    private mutating func finish(_ built: Built, anchor: String?) throws(Stop) {
        if let anchor {
            anchors[anchor] = built
        }
        guard !stack.isEmpty else {
            root = built.node
            return
        }
        stack[stack.count - 1].count += built.count
        stack[stack.count - 1].bytes += built.bytes
        stack[stack.count - 1].childHeight = max(stack[stack.count - 1].childHeight, built.height)
        if !stack[stack.count - 1].isMapping {
            stack[stack.count - 1].items.append(built.node)
            return
        }
        guard let key = stack[stack.count - 1].pendingKey else {
            stack[stack.count - 1].pendingKey = built.node
            return
        }
        stack[stack.count - 1].pendingKey = nil
        attach(key: key, value: built.node)
    }

    private mutating func attach(key: YAMLNode, value: YAMLNode) {
        guard let keyScalar = key.scalar else {
            documentErrors.add(LoadError(
                code: .wrongType,
                message: "mapping keys must be scalars, got a \(key.content.kindName)",
                location: key.location,
                fieldPath: nonEmpty(stack[stack.count - 1].path)
            ))
            return
        }
        if keyScalar.isPlain, keyScalar.text == "<<", key.tag == nil || key.tag == "tag:yaml.org,2002:merge" {
            if isMergeable(value) {
                stack[stack.count - 1].mergeSources.append(value)
            } else {
                documentErrors.add(LoadError(
                    code: .wrongType,
                    message: "a merge key (<<) needs a mapping or a sequence of mappings, got a \(value.content.kindName)",
                    location: value.location,
                    fieldPath: nonEmpty(stack[stack.count - 1].path)
                ))
            }
            return
        }
        if let firstLine = stack[stack.count - 1].keyLines[keyScalar.text] {
            documentErrors.add(LoadError(
                code: .duplicateKey,
                message: "duplicate key \(quoted(keyScalar.text)) (first at line \(firstLine))",
                location: key.location,
                fieldPath: stack[stack.count - 1].path.field(keyScalar.text).description
            ))
            return
        }
        stack[stack.count - 1].keyLines[keyScalar.text] = key.location.line
        stack[stack.count - 1].entries.append(YAMLMappingEntry(key: key, value: value))
    }

    private func nonEmpty(_ path: FieldPath) -> String? {
        path.description.isEmpty ? nil : path.description
    }

    private func isMergeable(_ node: YAMLNode) -> Bool {
        switch node.content {
        case .mapping: return true
        case .sequence(let items): return items.allSatisfy { if case .mapping = $0.content { true } else { false } }
        case .scalar: return false
        }
    }
}
