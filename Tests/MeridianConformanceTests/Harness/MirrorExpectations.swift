import Foundation

/// A backend a request must be mirrored to (upstream's `MirroredBackend`): the Deployment whose
/// pod logs the copy, and for percentage mirrors the share of requests copied.
struct MirroredBackend: Sendable {
    var namespace: String
    var name: String
    var percent: Int?
}

extension ExpectedResponse {
    /// Upstream's `AddRequestIDQueryParam`: a unique query parameter on the request (and on the
    /// request the backend must see), so a mirror's log line names this request only.
    mutating func addRequestID(_ id: String) {
        let name = "gateway-api-conformance-request-id"
        func adding(_ path: String) -> String { path + (path.contains("?") ? "&" : "?") + "\(name)=\(id)" }
        let path = adding(request.path)
        if var expectedRequest {
            expectedRequest.path = expectedRequest.path.isEmpty ? path : adding(expectedRequest.path)
            self.expectedRequest = expectedRequest
        }
        request.path = path
    }
}

extension ConformanceTest {
    /// Upstream's `AwaitConvergence` with a fresh request per probe (`make`): `threshold` answers
    /// in a row must meet their expectation, within `timeout`.
    func expectConverging(_ gateway: GatewayAddress, name: String, threshold: Int = 3, timeout: Duration = .seconds(4), _ make: @Sendable () -> ExpectedResponse) async {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var inRow = 0
        var last = ""
        while inRow < threshold {
            if let mismatch = await roundTrip(gateway, make()).mismatch {
                inRow = 0
                last = mismatch
                if ContinuousClock.now >= deadline {
                    fail("\(name): \(last)")
                    return
                }
                try? await Task.sleep(for: .milliseconds(100))
            } else {
                inRow += 1
            }
        }
    }

    /// Upstream's `GetMirrorLogRegexp`: the line echo-basic logs for a request to `path`.
    static func mirrorLogLine(_ path: String) -> String { "Echoing back request made to \(path) to client" }

    /// How many requests to `path` the pod of `backend` has logged.
    func loggedRequests(_ backend: MirroredBackend, path: String) async -> Int {
        let line = Self.mirrorLogLine(path)
        let logs = (try? await EchoPods.shared.logs(namespace: backend.namespace, deployment: backend.name)) ?? []
        return logs.filter { $0.contains(line) }.count
    }

    /// Upstream's `ExpectMirroredRequest`: each mirror's pod logs the request within the request
    /// timeout (10 s).
    func expectMirrored(_ mirrors: [MirroredBackend], path: String, timeout: Duration = .seconds(10)) async {
        for mirror in mirrors {
            let found = await eventuallyTrue(timeout: timeout) { await self.loggedRequests(mirror, path: path) > 0 }
            if !found { fail("no mirrored request to \(path) in the logs of \(mirror.namespace)/\(mirror.name)") }
        }
    }

    private func eventuallyTrue(timeout: Duration, _ condition: @Sendable () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return await condition()
    }

    /// Upstream's percentage mirror check (`testMirroredRequestsDistribution`): 500 requests, 10 at
    /// a time, each answered as expected; each mirror's pod must log a count within three binomial
    /// standard deviations of its share. Up to 5 rounds, each with a new request id.
    func expectMirrorDistribution(_ gateway: GatewayAddress, _ expected: ExpectedResponse, mirrors: [MirroredBackend]) async {
        let total = 500
        var last = ""
        for round in 1...5 {
            var request = expected
            request.addRequestID(UUID().uuidString.lowercased())
            let sent = request
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<10 {
                    group.addTask {
                        for _ in stride(from: worker, to: total, by: 10) {
                            await self.expect(gateway, sent, threshold: 1)
                        }
                    }
                }
            }
            var problems: [String] = []
            for mirror in mirrors {
                let share = Double(mirror.percent ?? 100) / 100
                let margin = 3 * (Double(total) * share * (1 - share)).squareRoot()
                let count = Double(await loggedRequests(mirror, path: sent.request.path))
                if abs(count - Double(total) * share) > margin {
                    problems.append("\(mirror.namespace)/\(mirror.name) logged \(Int(count)) of \(total) requests, expected \(Double(total) * share) ± \(margin)")
                }
            }
            if problems.isEmpty { return }
            last = "round \(round): " + problems.joined(separator: "; ")
            try? await Task.sleep(for: .seconds(2))
        }
        fail("\(expected.caseName): percentage mirror distribution: \(last)")
    }
}
