/// A problem found while loading configuration: where it is, which field, and why.
///
/// `description` renders the conventional compiler form
/// `FILE:LINE:COLUMN: FIELDPATH: MESSAGE` (without `FIELDPATH: ` when the problem
/// concerns no particular field, such as malformed YAML).
public struct LoadError: Error, Sendable, CustomStringConvertible {
    /// The category of a load problem.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// libyaml could not parse the text (syntax error, bad encoding, undefined alias).
        case malformedYAML
        /// A mapping has the same key twice.
        case duplicateKey
        /// Alias expansion in one file exceeded `LoadLimits.maxAliasExpandedNodes` or `maxAliasExpandedBytes`.
        case aliasLimit
        /// Nodes are nested deeper than `LoadLimits.maxNestingDepth`.
        case nestingLimit
        /// A file is larger than `LoadLimits.maxFileSize`; it was not parsed.
        case fileTooLarge
        /// A path could not be read (missing, permission denied, not a regular file).
        case fileUnreadable
        /// A value has the wrong YAML type (a string where an integer is required, a mapping where a list is required...).
        case wrongType
        /// A required field is absent (or null).
        case missingField
        /// A field the kind does not have (usually a misspelling; the message suggests the nearest field).
        case unknownField
        /// A field of the real API (kgateway, Gateway API) that Meridian does not implement.
        case unsupportedField
        /// A value has the right type but is not allowed (out of range, bad syntax, unsupported enum value...).
        case invalidValue
        /// A list has more items than the API allows.
        case tooMany
        /// A list has fewer items than the API requires.
        case tooFew
        /// A list entry repeats a key that must be unique (listener names, header names...).
        case duplicateEntry
        /// The same kind/namespace/name is defined twice across the inputs.
        case duplicateResource
        /// A document with neither apiVersion nor kind, or one that is not a mapping at all.
        case notAnObject
        /// A kind, or a version of a kind, that Meridian does not read, in an API group it reads.
        case unsupportedKind
        /// A document has more nodes than `LoadLimits.maxNodesPerDocument`.
        case sizeLimit
        /// Stands for errors left out: `… and N more errors in this document` (or file).
        case errorLimit
    }

    /// The category of the problem.
    public var code: Code
    /// A human-readable reason, without location or field path.
    public var message: String
    /// Where the offending node starts (for a missing field: the mapping that lacks it).
    public var location: SourceLocation
    /// The field path inside the document, e.g. `spec.rules[0].backendRefs[1].weight`; nil when not about a field.
    public var fieldPath: String?
    /// For an `errorLimit` error: how many errors it stands for.
    var omittedCount = 0
    /// True for an error of an object that was set aside on its own (`RejectedObject`), or
    /// for an `errorLimit` error standing only for such errors: the rest can still be served.
    package var isSetAside = false

    /// Creates a load error.
    public init(code: Code, message: String, location: SourceLocation, fieldPath: String? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.fieldPath = fieldPath
    }

    /// The error standing for `count` errors of one document left out, located where the
    /// first of them is.
    static func omission(_ count: Int, at location: SourceLocation, setAside: Bool) -> LoadError {
        var error = LoadError(code: .errorLimit, message: "… and \(count) more \(count == 1 ? "error" : "errors") in this document", location: location)
        error.omittedCount = count
        error.isSetAside = setAside
        return error
    }

    /// The error ending a file that had too many errors to be read on, located where the
    /// first error left out is. It blocks serving: the documents after it were not read.
    static func fileAbandoned(at location: SourceLocation, limit: Int) -> LoadError {
        LoadError(code: .errorLimit, message: "… and more errors: after \(limit) errors the rest of the file was not read", location: location)
    }

    /// This error, marked as belonging to an object set aside on its own.
    var setAside: LoadError {
        var copy = self
        copy.isSetAside = true
        return copy
    }

    /// `FILE:LINE:COLUMN: FIELDPATH: MESSAGE`, or `FILE:LINE:COLUMN: MESSAGE` without a field path.
    public var description: String {
        if let fieldPath, !fieldPath.isEmpty {
            return "\(location): \(fieldPath): \(message)"
        }
        return "\(location): \(message)"
    }
}


extension LoadError: Equatable, Hashable {
    /// Errors are equal when code, message, location and field path are (bookkeeping aside).
    public static func == (lhs: LoadError, rhs: LoadError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.location == rhs.location && lhs.fieldPath == rhs.fieldPath
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
        hasher.combine(location)
        hasher.combine(fieldPath)
    }
}

/// Keeps the first `limit` errors and counts the others, so that no input, however
/// broken, produces more than a bounded list.
///
/// For a document, the errors left out are counted in a last `… and N more errors in this
/// document`. A file is not read past the document that spent its budget
/// (`ConfigurationAccumulator`), so its last error says so instead.
struct ErrorBudget {
    enum Scope {
        case document
        case file
    }

    let limit: Int
    let scope: Scope
    private(set) var kept: [LoadError] = []
    /// Errors left out, and where the first of them was.
    private(set) var omitted = 0
    private var firstOmitted: SourceLocation?
    /// Whether every error left out belongs to an object set aside on its own.
    private var omittedAllSetAside = true

    init(limit: Int, scope: Scope) {
        self.limit = limit
        self.scope = scope
    }

    /// True when another error would be left out; callers may skip building its message.
    var isExhausted: Bool { kept.count >= limit }

    /// Keeps `error`, or counts it (an `errorLimit` error counts as the errors it stands for).
    mutating func add(_ error: LoadError) {
        guard isExhausted else {
            kept.append(error)
            return
        }
        omit(count: error.code == .errorLimit ? max(error.omittedCount, 1) : 1, at: error.location, setAside: error.isSetAside)
    }

    /// Counts errors that were never built.
    mutating func omit(count: Int, at location: SourceLocation, setAside: Bool) {
        guard count > 0 else { return }
        omitted += count
        if firstOmitted == nil { firstOmitted = location }
        omittedAllSetAside = omittedAllSetAside && setAside
    }

    /// The kept errors, then one standing for those left out, if any.
    var errors: [LoadError] {
        guard omitted > 0, let firstOmitted else { return kept }
        switch scope {
        case .document: return kept + [LoadError.omission(omitted, at: firstOmitted, setAside: omittedAllSetAside)]
        case .file: return kept + [LoadError.fileAbandoned(at: firstOmitted, limit: limit)]
        }
    }
}
