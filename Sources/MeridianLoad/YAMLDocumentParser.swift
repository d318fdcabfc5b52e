/// The documents of one YAML stream, and the error that stopped parsing, if any.
public struct YAMLParseResult: Sendable {
    /// Complete, non-empty documents in stream order (each may carry non-fatal errors).
    public var documents: [YAMLDocument]
    /// A problem that ended parsing early (malformed YAML, alias or nesting limit).
    /// Documents completed before it are still in `documents`.
    public var streamError: LoadError?

    /// Every error: the non-fatal ones of each document, then the fatal one.
    public var allErrors: [LoadError] {
        documents.flatMap(\.errors) + (streamError.map { [$0] } ?? [])
    }
}

/// Parses YAML streams into node trees with source locations, using libyaml's event API.
///
/// Aliases are expanded (bounded by `LoadLimits.maxAliasExpandedNodes` and
/// `maxAliasExpandedBytes`), documents are bounded by `maxNodesPerDocument`, `<<` merge keys
/// are applied as Kubernetes' YAML 1.1 reader does, duplicate keys are reported, and empty
/// documents are skipped.
public enum YAMLDocumentParser {
    /// Parses UTF-8 (or BOM-marked UTF-16) bytes; `fileName` is used in every location.
    public static func parse(_ bytes: [UInt8], fileName: String, limits: LoadLimits = LoadLimits()) -> YAMLParseResult {
        var composer = YAMLComposer(file: fileName, limits: limits)
        return composer.compose(LibYAMLEventReader(bytes: bytes))
    }

    /// Parses bytes, handing each document to `body` as soon as it is complete (so only one
    /// document's tree is in memory at a time) until `body` returns false; returns the error
    /// that stopped parsing, if any.
    static func parse(_ bytes: [UInt8], fileName: String, limits: LoadLimits, eachDocument body: (YAMLDocument) -> Bool) -> LoadError? {
        var composer = YAMLComposer(file: fileName, limits: limits)
        return composer.compose(LibYAMLEventReader(bytes: bytes), body)
    }

    /// Parses YAML text; `fileName` is used in every location.
    public static func parse(_ text: String, fileName: String, limits: LoadLimits = LoadLimits()) -> YAMLParseResult {
        parse(Array(text.utf8), fileName: fileName, limits: limits)
    }
}
