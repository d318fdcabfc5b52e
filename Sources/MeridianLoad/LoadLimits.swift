/// Bounds that keep hostile or accidental inputs from exhausting time or memory.
///
/// With the defaults, no file under `maxFileSize` costs more than about a second or
/// 64 MiB to load, and no load prints more than `maxErrorsPerFile` errors per file.
public struct LoadLimits: Sendable, Hashable {
    /// Files larger than this many bytes are refused before parsing. Default 4 MiB.
    public var maxFileSize: Int
    /// Nodes that alias expansion may add to one file. Default 10,000.
    ///
    /// Counting expanded nodes (not aliases) is what stops "billion laughs" documents,
    /// where a handful of aliases would otherwise expand to billions of nodes. The count
    /// runs over the whole file, so many small documents cannot add up to billions either.
    public var maxAliasExpandedNodes: Int
    /// Bytes of scalar text that alias expansion may add to one file. Default 1 MiB.
    ///
    /// A long scalar referenced thousands of times costs few nodes but would be checked,
    /// and quoted in errors, thousands of times.
    public var maxAliasExpandedBytes: Int
    /// Nodes one document may have, aliases expanded. Default 100,000.
    ///
    /// Far above what any object Meridian reads can hold within its own list limits; a
    /// file of a million `{}` is refused here instead of being held in memory whole.
    public var maxNodesPerDocument: Int
    /// Deepest allowed nesting of mappings and sequences. Default 64.
    ///
    /// Kubernetes objects are shallow; the bound keeps recursive walks (and the
    /// recursive release of the node tree) far from the stack limit.
    public var maxNestingDepth: Int
    /// Errors reported for one document; the rest are counted in a last
    /// "… and N more errors in this document". Default 100.
    public var maxErrorsPerDocument: Int
    /// Errors reported for one file; the rest are counted in a last
    /// "… and N more errors in this file". Default 500.
    public var maxErrorsPerFile: Int

    /// Creates limits; every parameter has a production default.
    public init(
        maxFileSize: Int = 4 * 1024 * 1024,
        maxAliasExpandedNodes: Int = 10_000,
        maxAliasExpandedBytes: Int = 1024 * 1024,
        maxNodesPerDocument: Int = 100_000,
        maxNestingDepth: Int = 64,
        maxErrorsPerDocument: Int = 100,
        maxErrorsPerFile: Int = 500
    ) {
        self.maxFileSize = maxFileSize
        self.maxAliasExpandedNodes = maxAliasExpandedNodes
        self.maxAliasExpandedBytes = maxAliasExpandedBytes
        self.maxNodesPerDocument = maxNodesPerDocument
        self.maxNestingDepth = maxNestingDepth
        self.maxErrorsPerDocument = maxErrorsPerDocument
        self.maxErrorsPerFile = maxErrorsPerFile
    }
}
