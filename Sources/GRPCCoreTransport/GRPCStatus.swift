/// A gRPC status: how a call ended, or why an operation on it failed.
public struct GRPCStatus: Error, Sendable, Hashable, CustomStringConvertible {
    /// The status codes of the gRPC protocol.
    public enum Code: Int32, Sendable, Hashable {
        case ok = 0
        case cancelled = 1
        case unknown = 2
        case invalidArgument = 3
        case deadlineExceeded = 4
        case notFound = 5
        case alreadyExists = 6
        case permissionDenied = 7
        case resourceExhausted = 8
        case failedPrecondition = 9
        case aborted = 10
        case outOfRange = 11
        case unimplemented = 12
        case `internal` = 13
        case unavailable = 14
        case dataLoss = 15
        case unauthenticated = 16
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String = "") {
        self.code = code
        self.message = message
    }

    public static let ok = GRPCStatus(code: .ok)

    public var description: String { message.isEmpty ? "\(code)" : "\(code): \(message)" }
}

/// Why the transport could not start or reach a peer.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case bindFailed
        /// Another socket listens on the address (a second server on it, say).
        case addressInUse
        /// A TLS certificate, key or CA file is missing, unreadable or invalid.
        case invalidTLSFiles
        case alreadyStarted
        case notRunning
        case callCreationFailed
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
