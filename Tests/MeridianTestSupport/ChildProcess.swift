import Foundation
import Synchronization

/// A child process that is stopped when the test is done with it, whatever happens.
///
/// Spawned with posix_spawn and reaped with waitpid, so the test knows the
/// moment the child exits (Foundation's Process notices exits late on Linux).
public final class ChildProcess: Sendable {
    public let processIdentifier: pid_t
    public let logFile: URL
    private let exited = Mutex<Bool>(false)

    public init(executable: URL, arguments: [String], logFile: URL) throws {
        self.logFile = logFile
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else is inherited: a pipe another test has open (Foundation's Pipe is not
        // close-on-exec) would otherwise stay open in this child, and that test's read would
        // wait for end-of-file as long as the child lives.
        _ = spawnActionsCloseFrom(&actions, 3)
        // The spawning thread may block signals (Dispatch's workers do) and a
        // child inherits that mask: start it with none blocked, defaults restored.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = SpawningThread.shared.run { posix_spawn(&pid, executable.path, &actions, &attributes, argv, environ) }
        guard result == 0 else { throw FixtureError("cannot start \(executable.path): error \(result)") }
        processIdentifier = pid
    }

    deinit {
        stop()
    }

    /// Whether the child is still running (reaping it if it has exited).
    public var isRunning: Bool {
        exited.withLock { exited in
            if exited { return false }
            var status: Int32 = 0
            if waitpid(processIdentifier, &status, WNOHANG) == processIdentifier { exited = true }
            return !exited
        }
    }

    /// Waits for the child to exit on its own; returns its exit code (nil on timeout or signal).
    public func waitForExit(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let code = exited.withLock { exited -> Int32?? in
                var status: Int32 = 0
                guard !exited else { return .some(nil) }
                guard waitpid(processIdentifier, &status, WNOHANG) == processIdentifier else { return nil }
                exited = true
                // WIFEXITED / WEXITSTATUS are macros; decode the wait status by hand.
                return .some(status & 0x7f == 0 ? (status >> 8) & 0xff : nil)
            }
            if let code { return code }
            usleep(5_000)
        }
        stop()
        return nil
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace` seconds.
    public func stop(grace: TimeInterval = 3) {
        guard isRunning else { return }
        kill(processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while isRunning, Date() < deadline { usleep(2_000) }
        exited.withLock { exited in
            guard !exited else { return }
            kill(processIdentifier, SIGKILL)
            var status: Int32 = 0
            waitpid(processIdentifier, &status, 0)
            exited = true
        }
    }

    /// The process's output so far (for failure messages).
    public var output: String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }
}

/// The one thread every child process is spawned from, alive as long as the test process.
///
/// Envoy 1.40 asks the kernel for SIGTERM when its parent dies (`prctl(PR_SET_PDEATHSIG)`), and
/// for the kernel the parent is the *thread* that spawned it. Swift's concurrency pool and
/// Dispatch retire idle threads, so an Envoy spawned from one of them was stopped in the middle
/// of a test once the test had waited a few seconds (seen with a 10 s request burst).
final class SpawningThread: @unchecked Sendable {
    static let shared = SpawningThread()

    private let condition = NSCondition()
    private var job: (() -> Void)?
    private var done = false

    private init() {
        let thread = Thread { [unowned self] in self.serve() }
        thread.name = "child-process-spawner"
        thread.start()
    }

    /// Runs `body` on the spawning thread and returns its result; one caller at a time.
    func run<Result>(_ body: () -> Result) -> Result {
        Self.callers.lock()
        defer { Self.callers.unlock() }
        return withoutActuallyEscaping(body) { body in
            var result: Result?
            condition.lock()
            job = { result = body() }
            done = false
            condition.broadcast()
            while !done { condition.wait() }
            condition.unlock()
            return result!
        }
    }

    private static let callers = NSLock()

    private func serve() {
        condition.lock()
        while true {
            while job == nil { condition.wait() }
            job?()
            job = nil
            done = true
            condition.broadcast()
        }
    }
}

/// A loopback HTTP backend (scripts/loopback-backend.py) that answers with its name.
///
/// Requests through Envoy steer it with headers (`LoopbackBackend.Header`): fail the first
/// attempts of a request key with a status or a connection reset, answer a fixed status,
/// answer late. The test reads back what it saw (`attempts(key:)`, `stats()`) and can make
/// it answer every request with one status (`setFailStatus(_:)`), all on `/__` paths that
/// go to the backend's port directly, never through Envoy.
public final class LoopbackBackend: Sendable {
    public let name: String
    public let port: Int
    private let process: ChildProcess

    /// Request headers the backend acts on.
    public enum Header {
        /// Counts the request as an attempt of this key.
        public static let requestKey = "x-request-key"
        /// With `requestKey`: the first N attempts of the key fail.
        public static let failAttempts = "x-fail-attempts"
        /// The status failing attempts get (default 503).
        public static let failStatus = "x-fail-status"
        /// `reset`: failing attempts get the connection closed with a RST and no answer.
        public static let failMode = "x-fail-mode"
        /// Sleep this many milliseconds before answering.
        public static let delayMilliseconds = "x-delay-ms"
        /// With `requestKey` and `delayMilliseconds`: only the first N attempts are delayed.
        public static let delayAttempts = "x-delay-attempts"
        /// Always answer this status.
        public static let status = "x-status"
    }

    /// What the backend has served since it started (or since `resetStats()`); control paths are not counted.
    public struct Stats: Sendable, Equatable {
        public var requests: Int
        public var inFlight: Int
        public var maxInFlight: Int

        public init(requests: Int, inFlight: Int, maxInFlight: Int) {
            self.requests = requests
            self.inFlight = inFlight
            self.maxInFlight = maxInFlight
        }
    }

    /// Starts the backend; with `failStatus` it answers every request with that status; with
    /// `tls` (PEM files) it speaks HTTPS and answers with the client's SNI in `x-sni`; with
    /// `clientCAFile` too it requires a client certificate from those CAs and answers with its
    /// SHA-256 in `x-client-cert-sha256`.
    public init(name: String, directory: URL, failStatus: Int? = nil, tls: (certificateFile: String, keyFile: String)? = nil, clientCAFile: String? = nil) async throws {
        guard let python = RepositoryPaths.executable(named: "python3") else { throw FixtureError("python3 not found on PATH") }
        let portFile = directory.appendingPathComponent("backend-\(name).port")
        var arguments = [RepositoryPaths.loopbackBackendScript.path, "--name", name, "--port", "0", "--port-file", portFile.path]
        if let failStatus { arguments += ["--fail-status", String(failStatus)] }
        if let tls { arguments += ["--tls-cert", tls.certificateFile, "--tls-key", tls.keyFile] }
        if let clientCAFile { arguments += ["--tls-client-ca", clientCAFile] }
        process = try ChildProcess(
            executable: python,
            arguments: arguments,
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

    public var isRunning: Bool { process.isRunning }

    /// How many requests carrying `x-request-key: key` reached the backend.
    public func attempts(key: String) async throws -> Int {
        let answer = try await control("GET", "/__attempts?key=\(key.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? key)")
        guard let attempts = answer["attempts"] as? Int else { throw FixtureError("backend \(name): /__attempts answered \(answer)") }
        return attempts
    }

    public func stats() async throws -> Stats {
        let answer = try await control("GET", "/__stats")
        guard let requests = answer["requests"] as? Int, let inFlight = answer["inFlight"] as? Int, let maxInFlight = answer["maxInFlight"] as? Int else {
            throw FixtureError("backend \(name): /__stats answered \(answer)")
        }
        return Stats(requests: requests, inFlight: inFlight, maxInFlight: maxInFlight)
    }

    /// Makes the backend answer every request with `status` (a broken endpoint), or stop doing so with nil.
    public func setFailStatus(_ status: Int?) async throws {
        _ = try await control("POST", "/__control", body: "{\"failStatus\": \(status.map(String.init) ?? "null")}")
    }

    /// Zeroes the request count, the attempts per key, and the in-flight maximum.
    public func resetStats() async throws {
        _ = try await control("POST", "/__control", body: "{\"resetStats\": true}")
    }

    private func control(_ method: String, _ path: String, body: String? = nil) async throws -> [String: Any] {
        let response = try await HTTPProbe.send(port: port, path: path, method: method, host: "127.0.0.1", body: body)
        guard response.status == 200,
              let answer = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any] else {
            throw FixtureError("backend \(name): \(method) \(path) answered \(response.status): \(response.body)")
        }
        return answer
    }
}

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module
/// does not import (it is behind `_GNU_SOURCE`): closes every descriptor from `from` on in the
/// child. Looked up once, and called with the C calling convention.
private func spawnActionsCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32 {
    guard let function = closeFromFunction else { return ENOSYS }
    return function(actions, from)
}

private typealias CloseFromFunction = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

private let closeFromFunction: CloseFromFunction? = {
    // RTLD_DEFAULT (a null handle): the symbol as the process already links it.
    guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
    return unsafeBitCast(symbol, to: CloseFromFunction.self)
}()
