import Foundation
import MeridianTestSupport
import Testing

/// The loopback backend's failure controls, spoken to directly (no Envoy): what the
/// resilience tests rely on when they count what reached a backend.
@Suite("Loopback backend controls", .serialized, .timeLimit(.minutes(1)))
struct LoopbackBackendTests {
    typealias Header = LoopbackBackend.Header

    @Test("a key fails its first N attempts with the asked status, then succeeds; attempts are counted per key")
    func failAttempts() async throws {
        let directory = try RepositoryPaths.makeScratchDirectory("backend-fail")
        let backend = try await LoopbackBackend(name: "a", directory: directory)
        defer { backend.stop() }
        let headers = [(Header.requestKey, "k1"), (Header.failAttempts, "2")]
        var statuses: [Int] = []
        for _ in 0..<3 { statuses.append(try await HTTPProbe.send(port: backend.port, headers: headers).status) }
        #expect(statuses == [503, 503, 200])
        #expect(try await backend.attempts(key: "k1") == 3)
        #expect(try await backend.attempts(key: "other") == 0)

        let notFound = try await HTTPProbe.send(port: backend.port, headers: [(Header.requestKey, "k2"), (Header.failAttempts, "1"), (Header.failStatus, "404")])
        #expect(notFound.status == 404)
        #expect(notFound.headers["x-backend"] == "a")
        #expect(notFound.headers["x-attempt"] == "1")
        #expect(try await HTTPProbe.send(port: backend.port, headers: [(Header.status, "418")]).status == 418)
        let normal = try await HTTPProbe.send(port: backend.port, path: "/x")
        #expect(normal.status == 200)
        #expect(normal.body.contains("\"backend\": \"a\""))
    }

    @Test("x-fail-mode reset closes the connection without an answer")
    func reset() async throws {
        let directory = try RepositoryPaths.makeScratchDirectory("backend-reset")
        let backend = try await LoopbackBackend(name: "a", directory: directory)
        defer { backend.stop() }
        let headers = [(Header.requestKey, "r"), (Header.failAttempts, "1"), (Header.failMode, "reset")]
        await #expect(throws: (any Error).self) { try await HTTPProbe.send(port: backend.port, headers: headers) }
        #expect(try await HTTPProbe.send(port: backend.port, headers: headers).status == 200)
        #expect(try await backend.attempts(key: "r") == 2)
    }

    @Test("a fail status set at start or at run time answers every request; stats count served and concurrent requests")
    func failStatusAndStats() async throws {
        let directory = try RepositoryPaths.makeScratchDirectory("backend-stats")
        let broken = try await LoopbackBackend(name: "broken", directory: directory, failStatus: 503)
        defer { broken.stop() }
        #expect(try await HTTPProbe.send(port: broken.port).status == 503)
        try await broken.setFailStatus(nil)
        #expect(try await HTTPProbe.send(port: broken.port).status == 200)
        try await broken.setFailStatus(500)
        #expect(try await HTTPProbe.send(port: broken.port).status == 500)
        try await broken.setFailStatus(nil)
        try await broken.resetStats()
        #expect(try await broken.stats() == LoopbackBackend.Stats(requests: 0, inFlight: 0, maxInFlight: 0))

        let started = ContinuousClock.now
        let requests = Array(repeating: HTTPProbe.Request(headers: [(Header.delayMilliseconds, "300")]), count: 8)
        let outcomes = try await HTTPProbe.sendConcurrently(port: broken.port, requests)
        let elapsed = ContinuousClock.now - started
        #expect(outcomes.map { (try? $0.get())?.status } == Array(repeating: 200, count: 8))
        #expect(elapsed < .milliseconds(1_500), "8 requests of 300 ms each ran concurrently: \(elapsed)")
        #expect(try await broken.stats() == LoopbackBackend.Stats(requests: 8, inFlight: 0, maxInFlight: 8))
    }

    @Test("x-delay-attempts delays only the first attempts of a key")
    func delayAttempts() async throws {
        let directory = try RepositoryPaths.makeScratchDirectory("backend-delay")
        let backend = try await LoopbackBackend(name: "a", directory: directory)
        defer { backend.stop() }
        // A delay far above a loaded machine's scheduling noise, so the two cases cannot be confused.
        let headers = [(Header.requestKey, "d"), (Header.delayMilliseconds, "1500"), (Header.delayAttempts, "1")]
        var started = ContinuousClock.now
        _ = try await HTTPProbe.send(port: backend.port, headers: headers)
        #expect(ContinuousClock.now - started >= .milliseconds(1_500))
        started = ContinuousClock.now
        _ = try await HTTPProbe.send(port: backend.port, headers: headers)
        #expect(ContinuousClock.now - started < .milliseconds(1_000), "the second attempt is not delayed")
    }
}

/// Children the tests start inherit nothing but standard input, output and error: a pipe
/// another test holds open must not stay open in them (its reader would wait for them).
@Suite("child processes")
struct ChildProcessDescriptorTests {
    @Test("a child sees descriptors 0, 1 and 2 only, whatever the test process has open")
    func noInheritedDescriptors() throws {
        let directory = try RepositoryPaths.makeScratchDirectory("child-descriptors")
        defer { try? FileManager.default.removeItem(at: directory) }
        let pipe = Pipe()  // not close-on-exec
        defer { try? pipe.fileHandleForWriting.close() }
        // `ls` opens the directory it lists, as 3: listed through a shell, the shell's own are gone by then.
        let child = try ChildProcess(
            executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "ls /proc/$$/fd"],
            logFile: directory.appendingPathComponent("fds.log")
        )
        #expect(child.waitForExit(timeout: 10) == 0)
        let descriptors = child.output.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        #expect(!descriptors.isEmpty && Set(descriptors).isSubset(of: [0, 1, 2]), "the child had \(descriptors) open")
    }
}
