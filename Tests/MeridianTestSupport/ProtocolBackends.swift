import Foundation

/// A loopback backend for protocols beyond HTTP/1.1, run from one of the repository's Python
/// scripts: `scripts/grpc-backend.py` (gRPC, HTTP/2 only) or `scripts/h2c-backend.py`
/// (HTTP/2 with prior knowledge only). Each answers with its own name.
public final class ScriptBackend: Sendable {
    public enum Kind: String, Sendable {
        case grpc = "grpc-backend.py"
        case h2c = "h2c-backend.py"
    }

    public let name: String
    public let port: Int
    private let process: ChildProcess

    public init(_ kind: Kind, name: String, directory: URL) async throws {
        guard let python = RepositoryPaths.executable(named: "python3") else { throw FixtureError("python3 not found on PATH") }
        let portFile = directory.appendingPathComponent("\(kind.rawValue)-\(name).port")
        process = try ChildProcess(
            executable: python,
            arguments: [RepositoryPaths.root.appendingPathComponent("scripts/\(kind.rawValue)").path, "--name", name, "--port", "0", "--port-file", portFile.path],
            logFile: directory.appendingPathComponent("\(kind.rawValue)-\(name).log")
        )
        self.name = name
        guard await eventually(timeout: .seconds(15), { FileManager.default.fileExists(atPath: portFile.path) }),
              let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) else {
            throw FixtureError("\(kind.rawValue) \(name) did not start: \(process.output)")
        }
        self.port = port
    }

    public func stop() { process.stop() }

    /// The backend's output (for failure messages).
    public var log: String { process.output }
}

/// `scripts/protocol-probe.py`: a real gRPC client (grpcio) and a WebSocket client, run
/// against a port on 127.0.0.1.
public enum ProtocolProbe {
    /// Calls of one method, `count` times, on a clear-text HTTP/2 channel.
    public struct GRPCCall: Encodable, Sendable {
        public var method: String
        public var authority: String?
        public var metadata: [String: String]
        public var count: Int

        public init(_ method: String, authority: String? = nil, metadata: [String: String] = [:], count: Int = 1) {
            self.method = method
            self.authority = authority
            self.metadata = metadata
            self.count = count
        }
    }

    /// What a backend answered: its name, the method it saw, the metadata the call arrived with.
    public struct GRPCAnswer: Decodable, Sendable {
        public var backend: String
        public var method: String
        public var metadata: [String: String]
    }

    /// The outcome of one `GRPCCall`: status code names (`OK`, `UNIMPLEMENTED`, ...) and
    /// answering backends, each with a count.
    public struct GRPCResult: Decodable, Sendable {
        public var codes: [String: Int]
        public var backends: [String: Int]
        public var answer: GRPCAnswer?
        public var details: String?

        /// The single status code of a one-call result (or a description of a mix).
        public var code: String { codes.count == 1 ? codes.keys.first! : "\(codes)" }
    }

    public struct WebSocketResult: Decodable, Sendable {
        public var status: Int
        public var backend: String?
        public var acceptValid: Bool?
        public var text: String?
        public var binary: [Int]?
    }

    public static func grpc(port: Int, _ calls: [GRPCCall], directory: URL) throws -> [GRPCResult] {
        let json = String(decoding: try JSONEncoder().encode(calls), as: UTF8.self)
        return try run(["grpc", "--port", String(port), "--calls", json], as: [GRPCResult].self, directory: directory)
    }

    public static func websocket(port: Int, path: String, host: String, directory: URL) throws -> WebSocketResult {
        try run(["websocket", "--port", String(port), "--path", path, "--host", host], as: WebSocketResult.self, directory: directory)
    }

    private static func run<Answer: Decodable>(_ arguments: [String], as type: Answer.Type, directory: URL) throws -> Answer {
        guard let python = RepositoryPaths.executable(named: "python3") else { throw FixtureError("python3 not found on PATH") }
        let log = directory.appendingPathComponent("probe-\(UUID().uuidString.prefix(8)).log")
        let process = try ChildProcess(
            executable: python,
            arguments: [RepositoryPaths.root.appendingPathComponent("scripts/protocol-probe.py").path] + arguments,
            logFile: log
        )
        guard process.waitForExit(timeout: 60) == 0 else { throw FixtureError("protocol-probe \(arguments.first ?? "") failed: \(process.output)") }
        // The answer is the last line; grpcio may log to stderr before it.
        let lastLine = process.output.split(separator: "\n").last.map(String.init) ?? ""
        do {
            return try JSONDecoder().decode(Answer.self, from: Data(lastLine.utf8))
        } catch {
            throw FixtureError("protocol-probe printed no answer: \(process.output)")
        }
    }
}
