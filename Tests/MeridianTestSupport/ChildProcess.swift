import Foundation

/// A child process that is stopped when the test is done with it, whatever happens.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked Sendable: `process` is configured before `run()` and afterwards
    // only signalled and waited on, which Foundation allows from any thread.
    private let process = Process()
    public let logFile: URL

    public init(executable: URL, arguments: [String], logFile: URL, environment: [String: String]? = nil) throws {
        self.logFile = logFile
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        if let environment { process.environment = environment }
        try process.run()
    }

    deinit {
        stop()
    }

    public var isRunning: Bool { process.isRunning }
    public var processIdentifier: Int32 { process.processIdentifier }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`.
    public func stop(grace: TimeInterval = 3) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// The process's output so far (for failure messages).
    public var output: String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }
}

/// A loopback HTTP backend (scripts/loopback-backend.py) that answers with its name.
public final class LoopbackBackend: Sendable {
    public let name: String
    public let port: Int
    private let process: ChildProcess

    public init(name: String, directory: URL) async throws {
        guard let python = RepositoryPaths.executable(named: "python3") else { throw FixtureError("python3 not found on PATH") }
        let portFile = directory.appendingPathComponent("backend-\(name).port")
        process = try ChildProcess(
            executable: python,
            arguments: [RepositoryPaths.loopbackBackendScript.path, "--name", name, "--port", "0", "--port-file", portFile.path],
            logFile: directory.appendingPathComponent("backend-\(name).log")
        )
        self.name = name
        guard await eventually(timeout: .seconds(10), { FileManager.default.fileExists(atPath: portFile.path) }),
              let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) else {
            throw FixtureError("backend \(name) did not start: \(process.output)")
        }
        self.port = port
    }

    public func stop() { process.stop() }
}
