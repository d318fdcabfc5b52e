/// Bounds that keep hostile or accidental inputs from exhausting time or memory.
public struct LoadLimits: Sendable, Hashable {
    /// Files larger than this many bytes are refused before parsing. Default 4 MiB.
    public var maxFileSize: Int
    /// Nodes that alias expansion may add to one document. Default 10,000.
    ///
    /// Counting expanded nodes (not aliases) is what stops "billion laughs" documents,
    /// where a handful of aliases would otherwise expand to billions of nodes.
    public var maxAliasExpandedNodes: Int
    /// Deepest allowed nesting of mappings and sequences. Default 64.
    ///
    /// Kubernetes objects are shallow; the bound keeps recursive walks (and the
    /// recursive release of the node tree) far from the stack limit.
    public var maxNestingDepth: Int

    /// Creates limits; every parameter has a production default.
    public init(maxFileSize: Int = 4 * 1024 * 1024, maxAliasExpandedNodes: Int = 10_000, maxNestingDepth: Int = 64) {
        self.maxFileSize = maxFileSize
        self.maxAliasExpandedNodes = maxAliasExpandedNodes
        self.maxNestingDepth = maxNestingDepth
    }
}
