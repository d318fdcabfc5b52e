import Foundation
import MeridianExplain
import MeridianRuntime
import MeridianTestSupport
import Testing

/// `meridian explain` against Envoy itself: `meridian serve` and a real Envoy serve
/// `ExplainAgreementCases`, every request goes through Envoy, and Envoy's answer (status, the
/// `x-route` header naming the rule that answered, the loopback backend, `Location`, and the
/// path, Host and headers the backend receives) must be what `explain` says, computed from the
/// same files. So explain's matcher cannot drift from Envoy's.
@Suite("explain agrees with Envoy", .serialized, .timeLimit(.minutes(3)))
struct ExplainEnvoyAgreementTests {
    /// What a client saw.
    struct Answer: CustomStringConvertible {
        var connected: Bool
        var status: Int?
        var rule: String?
        var backend: String?
        var location: String?
        /// What the backend received, from its JSON answer: path, Host and x- headers.
        var received: (path: String, host: String, headers: [String: String])?
        var description: String { connected ? "\(status ?? 0) rule \(rule ?? "-") backend \(backend ?? "-")\(location.map { " location \($0)" } ?? "")" : "no connection" }
    }

    @Test("every request: Envoy's status, rule, backend, Location and what the backend receives are explain's")
    func agreement() async throws {
        let a = try TestCertificates.make(["a.example.com"])
        let star = try TestCertificates.make(["*.example.com"])
        let fixture = try await ServeFixture(
            "explain-agreement", backendNames: ExplainAgreementCases.backendNames, routes: ExplainAgreementCases.routesYAML,
            gateway: { http, tls in ExplainAgreementCases.gatewayYAML(httpPort: http, tlsPort: tls) + ExplainAgreementCases.emptyServiceYAML },
            files: ["secrets.yaml": TestCertificates.secretYAML(name: "a-cert", namespace: "ns", a) + TestCertificates.secretYAML(name: "star-cert", namespace: "ns", star)]
        )
        defer { fixture.stop() }
        let (httpPort, tlsPort) = (fixture.listenerPort, fixture.tlsPort)
        let ready = await eventually(timeout: .seconds(30)) {
            guard await fixture.request(path: "/exact")?.backend == "alpha" else { return false }
            return (try? await TLSProbe.send(port: tlsPort, sni: "a.example.com"))?.backend == "alpha"
        }
        try #require(ready, "Envoy did not serve the configuration:\n\(fixture.meridianLog)\n\(fixture.envoy.log)")

        let build = ConfigurationPipeline.build(paths: [fixture.configDirectory.path], options: ServeFixture.options)
        try #require(build.isValid, "\(StatusReport.errorLines(build))")
        let explainer = RequestExplainer(loaded: build.loaded, translation: build.translation, options: ServeFixture.options)

        let cases = ExplainAgreementCases.cases
        var answers: [Int: Answer] = [:]
        for (index, testCase) in cases.enumerated() where !testCase.https {
            let response = try await HTTPProbe.send(port: httpPort, path: testCase.path, method: testCase.method, host: testCase.host, headers: testCase.headers)
            answers[index] = Answer(
                connected: true, status: response.status, rule: response.headers["x-route"], backend: response.headers["x-backend"],
                location: response.headers["location"], received: Self.received(response.body)
            )
        }
        let tlsCases = cases.indices.filter { cases[$0].https }
        let tlsResponses = try await TLSProbe.send(port: tlsPort, tlsCases.map { TLSProbe.Request(sni: cases[$0].serverName, host: cases[$0].host, path: cases[$0].path) })
        try #require(tlsResponses.count == tlsCases.count)
        for (index, response) in zip(tlsCases, tlsResponses) {
            answers[index] = Answer(connected: response.error == nil, status: response.status, rule: response.headers?["x-route"], backend: response.backend, location: response.headers?["location"])
        }

        // Every case got an answer, and Envoy named the rule for most of them.
        #expect(answers.count == cases.count)
        #expect(answers.values.filter { $0.rule != nil }.count >= 30)
        for (index, testCase) in cases.enumerated() {
            let envoy = try #require(answers[index])
            let explanation = try explainer.explain(
                ExplainRequest(
                    method: testCase.method, host: testCase.host, path: testCase.path,
                    headers: testCase.headers.map { HeaderField(name: $0.0, value: $0.1) },
                    port: testCase.https ? tlsPort : httpPort, serverName: testCase.serverName ?? ""
                ),
                gateway: ServeFixture.group
            )
            let context = "\(testCase): Envoy \(envoy), explain \(explanation.outcome.summary)"
            // Envoy against explain...
            #expect(envoy.connected == (explanation.outcome.kind != .connectionRefused), "\(context)")
            guard envoy.connected else { continue }
            #expect(envoy.status == (explanation.outcome.status ?? 200), "\(context)")
            #expect(envoy.rule == AgreementRule.of(explanation), "\(context)")
            if let backend = envoy.backend {
                #expect(AgreementRule.backends(explanation).contains(backend), "\(context)")
            }
            #expect(envoy.location == explanation.outcome.location, "\(context)")
            // What the backend received: the rewritten path and Host, the route's header changes.
            if let received = envoy.received, envoy.backend != nil {
                let upstream = try #require(explanation.upstream, "\(context)")
                #expect(received.path == upstream.path && received.host == upstream.host, "\(context): backend got \(received.path) Host \(received.host)")
                for header in upstream.setHeaders where header.name.hasPrefix("x-") {
                    #expect(received.headers[header.name] == header.value, "\(context): \(received.headers)")
                }
                if let path = testCase.upstreamPath { #expect(received.path == path && received.host == testCase.upstreamHost, "\(context)") }
            }
            // ... and against what the case says, so a mistake both make still fails.
            #expect(envoy.status == testCase.status && envoy.rule == testCase.rule, "\(context)")
            #expect(testCase.backends.isEmpty ? envoy.backend == nil : envoy.backend.map(testCase.backends.contains) == true, "\(context)")
        }
    }
}

extension ExplainEnvoyAgreementTests {
    /// The loopback backend's JSON answer: the path, Host and x- headers it received.
    static func received(_ body: String) -> (path: String, host: String, headers: [String: String])? {
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let path = json["path"] as? String, let host = json["host"] as? String else { return nil }
        return (path, host, json["headers"] as? [String: String] ?? [:])
    }
}

/// How an explanation names what the test configuration's `x-route` and `x-backend` headers name.
enum AgreementRule {
    /// `<route>/rule<N>` of the explained route; nil for Envoy's own answers (404, 421).
    static func of(_ explanation: Explanation) -> String? {
        guard let route = explanation.route, let object = route.object, let rule = route.rule else { return nil }
        return "\(object.split(separator: "/").last ?? "")/rule\(rule)"
    }

    /// The loopback backends (Service names) a forwarded request may reach.
    static func backends(_ explanation: Explanation) -> Set<String> {
        Set(explanation.backends.filter { $0.errorStatus == nil }.compactMap { backend in
            BackendServiceName.of(backend.cluster)
        })
    }
}

/// The Service name of a cluster `namespace/name:port`.
enum BackendServiceName {
    static func of(_ cluster: String) -> String? {
        guard let slash = cluster.firstIndex(of: "/"), let colon = cluster.lastIndex(of: ":") else { return nil }
        return String(cluster[cluster.index(after: slash)..<colon])
    }
}
