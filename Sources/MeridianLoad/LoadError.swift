/// A problem found while loading configuration: where it is, which field, and why.
///
/// `description` renders the conventional compiler form
/// `FILE:LINE:COLUMN: FIELDPATH: MESSAGE` (without `FIELDPATH: ` when the problem
/// concerns no particular field, such as malformed YAML).
public struct LoadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The category of a load problem.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// libyaml could not parse the text (syntax error, bad encoding, undefined alias).
        case malformedYAML
        /// A mapping has the same key twice.
        case duplicateKey
        /// Alias expansion in one document exceeded `LoadLimits.maxAliasExpandedNodes`.
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
    }

    /// The category of the problem.
    public var code: Code
    /// A human-readable reason, without location or field path.
    public var message: String
    /// Where the offending node starts (for a missing field: the mapping that lacks it).
    public var location: SourceLocation
    /// The field path inside the document, e.g. `spec.rules[0].backendRefs[1].weight`; nil when not about a field.
    public var fieldPath: String?

    /// Creates a load error.
    public init(code: Code, message: String, location: SourceLocation, fieldPath: String? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.fieldPath = fieldPath
    }

    /// `FILE:LINE:COLUMN: FIELDPATH: MESSAGE`, or `FILE:LINE:COLUMN: MESSAGE` without a field path.
    public var description: String {
        if let fieldPath, !fieldPath.isEmpty {
            return "\(location): \(fieldPath): \(message)"
        }
        return "\(location): \(message)"
    }
}
