/// Why a history operation was refused or could not be carried out.
public struct HistoryError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// No recorded version matches (or a prefix matches several).
        case unknownVersion
        /// The version is known but the group is not, or the group must be named.
        case unknownGroup
        /// The operation needs a group and several would fit.
        case ambiguousGroup
        /// Unpin of a group that is not pinned.
        case notPinned
        /// A file of the state directory could not be read, written or trusted.
        case storage
        /// A snapshot file's content does not match its name, or cannot be decoded.
        case corruptSnapshot
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
