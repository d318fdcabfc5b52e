import Foundation
import MeridianTestSupport
import Synchronization
import Testing

/// At most this many upstream tests hold an environment (their `meridian serve`s and Envoys) at once.
actor ConformanceSlots {
    static let shared = ConformanceSlots(limit: Int(ProcessInfo.processInfo.environment["MERIDIAN_CONFORMANCE_PARALLEL"] ?? "") ?? 3)
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { free = max(1, limit) }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}

/// What each upstream test did in this run, for the closing summary line.
enum ConformanceResults {
    static let outcomes = Mutex<[String: String]>([:])
}

/// Runs one transcribed upstream test against the base manifests plus `manifests`, then judges
/// the outcome by the catalogue (`ConformanceCatalogue`):
///
/// * `.passes`: every failure is a Swift Testing issue;
/// * `.failing(reason)`: the test runs in full and must fail; its failures are printed with the
///   listed reason, and if it passes the Swift test fails, so the list cannot go stale.
func conformance(_ name: String, manifests: [String], generations: Bool = false, sourceLocation: SourceLocation = #_sourceLocation, _ body: @Sendable (ConformanceTest) async throws -> Void) async throws {
    guard let entry = ConformanceCatalogue.entries.first(where: { $0.name == name }) else {
        Issue.record("\(name) is not in ConformanceCatalogue", sourceLocation: sourceLocation)
        return
    }
    await ConformanceSlots.shared.acquire()
    let started = ContinuousClock.now
    let environment: ConformanceEnvironment
    do {
        environment = try await ConformanceEnvironment(label: name, manifests: manifests, generations: generations)
    } catch {
        await ConformanceSlots.shared.release()
        Issue.record("\(name): the environment did not start: \(error)", sourceLocation: sourceLocation)
        return
    }
    let test = ConformanceTest(name: name, environment: environment)
    do {
        try await body(test)
    } catch is ConformanceFatal {
        // Recorded already.
    } catch {
        test.fail("\(error)")
    }
    environment.stop()
    await ConformanceSlots.shared.release()
    let elapsed = ContinuousClock.now - started
    let failures = test.failures

    switch entry.state {
    case .passes:
        for failure in failures { Issue.record("\(name): \(failure)", sourceLocation: sourceLocation) }
        ConformanceResults.outcomes.withLock { $0[name] = failures.isEmpty ? "pass" : "FAIL" }
        print("conformance: \(name): \(failures.isEmpty ? "pass" : "FAIL (\(failures.count) failures)") in \(elapsed)")
    case .failing(let reason):
        if failures.isEmpty {
            Issue.record("\(name) is listed as not yet passing (\(reason)), but it passed: mark it .passes in ConformanceCatalogue and the README table", sourceLocation: sourceLocation)
            ConformanceResults.outcomes.withLock { $0[name] = "unexpected pass" }
        } else {
            ConformanceResults.outcomes.withLock { $0[name] = "failing as listed" }
            print("conformance: \(name): not yet passing, as listed (\(reason)); \(failures.count) failures, first: \(failures[0].prefix(600)) (\(elapsed))")
        }
    case .notApplicable, .notTranscribed:
        Issue.record("\(name) has a transcription but the catalogue says \(entry.state)", sourceLocation: sourceLocation)
    }
}
