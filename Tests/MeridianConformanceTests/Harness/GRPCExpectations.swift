import Foundation
import MeridianTestSupport

/// Our transcription of upstream's `conformance/utils/grpc`: a unary call of the echo service
/// (`Echo`, `EchoTwo` or the unimplemented `EchoThree`) with an `:authority` and metadata, and
/// the status code, answering pod and namespace expected. Calls go through
/// `scripts/conformance-grpc-client.py` (grpcio, clear-text HTTP/2) to the Gateway's address.
struct ExpectedGRPC: Sendable {
    static let service = "gateway_api_conformance.echo_basic.grpcecho.GrpcEcho"

    /// "Echo", "EchoTwo" or "EchoThree".
    var method = "Echo"
    var authority: String?
    var metadata: [String: String] = [:]
    /// gRPC status code name ("OK", "UNIMPLEMENTED", ...).
    var code = "OK"
    var backend = ""
    var namespace = ""

    var fullyQualifiedMethod: String { "/\(Self.service)/\(method)" }

    var caseName: String {
        "request to '\(authority ?? "")\(fullyQualifiedMethod)'\(metadata.isEmpty ? "" : " with metadata \(metadata.sorted { $0.key < $1.key })")"
    }

    /// Upstream's `compareResponse`; nil when the call's result meets the expectation.
    func mismatch(_ result: [String: Any]) -> String? {
        let got = result["code"] as? String ?? "?"
        guard got == code else { return "expected status code to be \(code), but got \(got) (\(result["details"] as? String ?? ""))" }
        guard got == "OK" else { return nil }
        let assertions = (result["answer"] as? [String: Any])?["assertions"] as? [String: Any] ?? [:]
        let context = assertions["context"] as? [String: Any] ?? [:]
        let method = assertions["fully_qualified_method"] as? String ?? ""
        if method != fullyQualifiedMethod { return "expected path to be \(fullyQualifiedMethod), got \(method)" }
        let gotNamespace = context["namespace"] as? String ?? ""
        if !namespace.isEmpty, namespace != gotNamespace { return "expected namespace to be \(namespace), got \(gotNamespace)" }
        let pod = context["pod"] as? String ?? ""
        if !pod.hasPrefix(backend) { return "expected pod name to start with \(backend), got \(pod)" }
        return nil
    }
}

enum ConformanceGRPC {
    static let client = RepositoryPaths.root.appendingPathComponent("scripts/conformance-grpc-client.py")

    /// `count` calls one after another on one channel; one result per call.
    static func calls(address: String, port: Int, _ expected: ExpectedGRPC, count: Int) async throws -> [[String: Any]] {
        guard let python = RepositoryPaths.executable(named: "python3") else { throw FixtureError("python3 not found on PATH") }
        var spec: [String: Any] = ["address": address, "port": port, "method": expected.fullyQualifiedMethod, "metadata": expected.metadata, "count": count]
        if let authority = expected.authority { spec["authority"] = authority }
        let argument = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
        let directory = try RepositoryPaths.makeScratchDirectory("conformance-grpc")
        defer { try? FileManager.default.removeItem(at: directory) }
        let output: String = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    let process = try ChildProcess(executable: python, arguments: [client.path, argument], logFile: directory.appendingPathComponent("client.log"))
                    guard process.waitForExit(timeout: Double(10 + 5 * count)) == 0 else { throw FixtureError("conformance-grpc-client.py failed: \(process.output)") }
                    return process.output
                })
            }
        }
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("[") }),
              let results = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [[String: Any]] else {
            throw FixtureError("conformance-grpc-client.py answered: \(output)")
        }
        return results
    }
}

extension ConformanceTest {
    /// Upstream's `grpc.MakeRequestAndExpectEventuallyConsistentResponse`: three calls in a row
    /// that meet the expectation, within 4 s (each probe makes the three calls on one channel).
    func expectGRPC(_ gateway: GatewayAddress, _ expected: ExpectedGRPC, timeout: Duration = .seconds(4)) async {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var last = "no call made"
        while true {
            do {
                let results = try await ConformanceGRPC.calls(address: gateway.proxy.address, port: gateway.port, expected, count: 3)
                if results.count != 3 { last = "expected 3 call results, got \(results.count)" }
                else if let problem = results.lazy.compactMap({ expected.mismatch($0) }).first { last = problem } else { return }
            } catch {
                last = "call failed: \(error)"
            }
            if ContinuousClock.now >= deadline { break }
            try? await Task.sleep(for: .milliseconds(100))
        }
        fail("\(expected.caseName): \(last)")
    }

    func expectAllGRPC(_ gateway: GatewayAddress, _ cases: [ExpectedGRPC]) async {
        await withTaskGroup(of: Void.self) { group in
            for expected in cases { group.addTask { await self.expectGRPC(gateway, expected) } }
        }
    }

    /// Upstream's weighted check for gRPC (`TestWeightedDistribution` with the gRPC client):
    /// 500 calls, each backend's share within ±5% of its weight. Tried up to 10 times.
    func expectGRPCWeightedDistribution(_ gateway: GatewayAddress, _ base: ExpectedGRPC, weights: [String: Double]) async {
        var last = ""
        for attempt in 1...10 {
            let pods = await withTaskGroup(of: [String].self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        guard let results = try? await ConformanceGRPC.calls(address: gateway.proxy.address, port: gateway.port, base, count: 100) else { return Array(repeating: "error", count: 100) }
                        return results.map { result in
                            guard base.mismatch(result) == nil else { return "error" }
                            let assertions = (result["answer"] as? [String: Any])?["assertions"] as? [String: Any]
                            return (assertions?["context"] as? [String: Any])?["pod"] as? String ?? "error"
                        }
                    }
                }
                var all: [String] = []
                for await part in group { all += part }
                return all
            }
            var counts: [String: Int] = [:]
            for pod in pods {
                let backend = weights.keys.filter { pod.hasPrefix($0 + "-") }.max { $0.count < $1.count } ?? pod
                counts[backend, default: 0] += 1
            }
            var problems: [String] = []
            let active = weights.values.filter { $0 > 0 }.count
            if counts.count != active { problems.append("expected \(active) backends to receive traffic, got \(counts)") }
            for (backend, share) in weights {
                let got = Double(counts[backend] ?? 0) / 500
                if abs(got - share) > 0.05 { problems.append("backend \(backend) got \(got) of the traffic, expected \(share) ± 0.05") }
            }
            if problems.isEmpty { return }
            last = "attempt \(attempt): " + problems.joined(separator: "; ")
        }
        fail("weighted distribution: \(last)")
    }
}
