/// The request to explain, as a client would send it to the Gateway.
public struct ExplainRequest: Sendable, Hashable {
    /// The HTTP method, such as `GET` (matched case-sensitively, as Envoy does).
    public var method: String
    /// The `Host` header (`:authority`), as sent: it may carry a port, which host matching ignores.
    public var host: String
    /// The request target: a path, with a query string when it has one (`/search?q=1`).
    public var path: String
    /// Other request headers, in order; a name given twice is one header with both values.
    public var headers: [HeaderField]
    /// The port the connection is made to: the Gateway listener's port as the Gateway writes
    /// it, or the port Envoy listens on (with `--privileged-port-offset`); nil when the Gateway
    /// has a single port or the host names one.
    public var port: Int?
    /// The TLS server name the client sends on an HTTPS port: nil sends the host name (as
    /// browsers and curl do), the empty string sends none.
    public var serverName: String?

    public init(method: String = "GET", host: String, path: String, headers: [HeaderField] = [], port: Int? = nil, serverName: String? = nil) {
        self.method = method
        self.host = host
        self.path = path
        self.headers = headers
        self.port = port
        self.serverName = serverName
    }

    /// `path` with query parameters appended, as they appear in a URL (`name=value`, not
    /// decoded: Envoy matches the raw text).
    public static func path(_ path: String, appending query: [HeaderField]) -> String {
        guard !query.isEmpty else { return path }
        let parameters = query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        return path + (path.contains("?") ? "&" : "?") + parameters
    }
}

/// A header or query parameter: a name and a value.
public struct HeaderField: Sendable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// Parses `name=value` (the first `=` separates; the value may be empty); nil without a
    /// name or an `=`.
    public init?(assignment: String) {
        guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else { return nil }
        name = String(assignment[..<equals])
        value = String(assignment[assignment.index(after: equals)...])
    }
}

/// Why a request cannot be explained: it is not one a client could send.
public enum ExplainRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    case emptyHost
    case pathWithoutSlash(String)
    case invalidMethod(String)
    case invalidHeaderName(String)
    case reservedHeader(String)
    case controlCharacter(field: String)

    public var description: String {
        switch self {
        case .emptyHost:
            "--host must not be empty"
        case .pathWithoutSlash(let path):
            "--path must start with /, got \"\(path)\""
        case .invalidMethod(let method):
            "--method \"\(method)\" is not an HTTP method token"
        case .invalidHeaderName(let name):
            "--header \"\(name)\" is not an HTTP header name"
        case .reservedHeader(let name):
            "--header \(name): give it with --\(name == "host" || name == ":authority" ? "host" : name == ":method" ? "method" : "path") instead"
        case .controlCharacter(let field):
            "\(field) contains a control character (CR, LF or NUL), which no client can send"
        }
    }
}

extension ExplainRequest {
    /// Refuses what no HTTP client could send, so every explanation is of a real request.
    public func validated() throws(ExplainRequestError) -> ExplainRequest {
        guard !host.isEmpty else { throw .emptyHost }
        guard path.hasPrefix("/") else { throw .pathWithoutSlash(path) }
        guard !method.isEmpty, method.utf8.allSatisfy(Self.isTokenCharacter) else { throw .invalidMethod(method) }
        for (field, text) in [("--host", host), ("--path", path), ("--method", method)] where Self.hasControlCharacter(text) {
            throw .controlCharacter(field: field)
        }
        for header in headers {
            let name = header.name.lowercased()
            if ["host", ":authority", ":method", ":path"].contains(name) { throw .reservedHeader(name) }
            guard !name.isEmpty, name.utf8.allSatisfy(Self.isTokenCharacter) else { throw .invalidHeaderName(header.name) }
            if Self.hasControlCharacter(header.value) { throw .controlCharacter(field: "--header \(header.name)") }
        }
        return self
    }

    /// RFC 9110 `tchar`.
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static func hasControlCharacter(_ text: String) -> Bool {
        text.utf8.contains { $0 == 0 || $0 == 10 || $0 == 13 }
    }
}
