/// A position in an input file: the file path as given, and a 1-based line and column.
///
/// Columns count characters, not bytes, as libyaml does.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file path exactly as it was given to the loader (or the name passed with in-memory YAML).
    public var file: String
    /// 1-based line number.
    public var line: Int
    /// 1-based column number, in characters.
    public var column: Int

    /// Creates a location from a file name and a 1-based line and column.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// The location used for problems that concern a whole file (unreadable, too large).
    ///
    /// It is 1:1 so that every error keeps the `FILE:LINE:COLUMN:` shape editors and CI annotators parse.
    public static func startOfFile(_ file: String) -> SourceLocation {
        SourceLocation(file: file, line: 1, column: 1)
    }

    /// `FILE:LINE:COLUMN`.
    public var description: String { "\(file):\(line):\(column)" }
}
