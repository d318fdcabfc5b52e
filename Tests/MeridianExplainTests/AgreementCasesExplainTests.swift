import MeridianExplain
import MeridianTestSupport
import MeridianTranslate
import Testing

/// `explain` on `ExplainAgreementCases`, the configuration whose every request a real Envoy
/// also answers (`ExplainEnvoyAgreementTests`): here against the outcomes written down by hand.
@Suite("explain on the agreement cases")
struct AgreementCasesExplainTests {
    static let httpPort = 8080
    static let tlsPort = 8443

    static func fixture() throws -> ExplainFixture {
        let a = try TestCertificates.make(["a.example.com"])
        let star = try TestCertificates.make(["*.example.com"])
        var yaml = ExplainAgreementCases.gatewayYAML(httpPort: httpPort, tlsPort: tlsPort)
        for (index, name) in ExplainAgreementCases.backendNames.enumerated() {
            yaml += """
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: \(name), namespace: ns}
                spec: {ports: [{name: http, port: 80, targetPort: \(9000 + index)}]}
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: \(name)-1, namespace: ns, labels: {kubernetes.io/service-name: \(name)}}
                addressType: IPv4
                ports: [{name: http, port: \(9000 + index)}]
                endpoints: [{addresses: ["127.0.0.1"], conditions: {ready: true}}]

                """
        }
        yaml += ExplainAgreementCases.emptyServiceYAML + ExplainAgreementCases.routesYAML
        yaml += TestCertificates.secretYAML(name: "a-cert", namespace: "ns", a) + TestCertificates.secretYAML(name: "star-cert", namespace: "ns", star)
        let fixture = ExplainFixture(paths: [try ExplainFixture.write(yaml, name: "agreement.yaml")])
        try #require(fixture.loaded.errors.isEmpty, "\(fixture.loaded.errors)")
        return fixture
    }

    static func explain(_ testCase: ExplainAgreementCases.Case, _ fixture: ExplainFixture) throws -> Explanation {
        try fixture.explain(
            testCase.path, host: testCase.host, method: testCase.method, headers: testCase.headers,
            port: testCase.https ? tlsPort : httpPort, serverName: testCase.serverName ?? "", gateway: "ns/gw"
        )
    }

    /// `<route>/rule<N>` of the explained route; nil for Envoy's own answers.
    static func rule(_ explanation: Explanation) -> String? {
        guard let route = explanation.route, let object = route.object, let rule = route.rule else { return nil }
        return "\(object.split(separator: "/").last ?? "")/rule\(rule)"
    }

    /// The loopback backends a forwarded request may reach.
    static func backends(_ explanation: Explanation) -> Set<String> {
        Set(explanation.backends.filter { $0.errorStatus == nil }.compactMap { $0.target.split(separator: " ").dropFirst().first.map { String($0.split(separator: "/").last ?? "") } })
    }

    @Test("each case: status, rule and backends as written", arguments: ExplainAgreementCases.cases.indices)
    func outcome(_ index: Int) throws {
        let testCase = ExplainAgreementCases.cases[index]
        let explanation = try Self.explain(testCase, try Self.fixture())
        if !testCase.connects {
            #expect(explanation.outcome.kind == .connectionRefused, "\(testCase): \(explanation.outcome)")
            return
        }
        #expect((explanation.outcome.status ?? 200) == testCase.status, "\(testCase): \(explanation.outcome)")
        #expect(Self.rule(explanation) == testCase.rule, "\(testCase): \(explanation.route.map(\.name) ?? "no route")")
        #expect(Self.backends(explanation) == testCase.backends, "\(testCase): \(explanation.backends.map(\.target))")
        #expect(explanation.outcome.served == (testCase.status < 400), "\(testCase)")
        if let path = testCase.upstreamPath {
            #expect(explanation.upstream?.path == path && explanation.upstream?.host == testCase.upstreamHost, "\(testCase): \(String(describing: explanation.upstream))")
        }
    }

    @Test("what each kind of answer says: 421 names the listener, 503 the empty EndpointSlice, 301 its Location, a refused handshake the chains")
    func reasons() throws {
        let fixture = try Self.fixture()
        let cases = ExplainAgreementCases.cases
        let misdirected = try Self.explain(cases.first { $0.serverName == "a.example.com" && $0.host == "b.example.com" }!, fixture)
        #expect(misdirected.outcome.kind == .misdirected)
        #expect(misdirected.listener?.filterChain == "https-8443-a" && misdirected.listener?.gatewayListener?.name == "a")
        #expect(misdirected.virtualHost?.name == "misdirected")

        let empty = try Self.explain(cases.first { $0.path == "/empty" }!, fixture)
        #expect(empty.outcome.kind == .noEndpoints)
        #expect(empty.outcome.summary == "503: no endpoints: its EndpointSlice lists no endpoints; Envoy answers 503 (no healthy upstream)")

        let redirect = try Self.explain(cases.first { $0.path.hasPrefix("/old") }!, fixture)
        #expect(redirect.outcome.kind == .redirect && redirect.outcome.location == "http://example.org:8080/new/page?x=1")

        let missing = try Self.explain(cases.first { $0.path == "/missing" }!, fixture)
        #expect(missing.outcome.reasons.first?.hasPrefix("BackendNotFound: Service ns/nowhere is not declared") == true)

        let refused = try Self.explain(cases.first { $0.serverName == "example.org" }!, fixture)
        #expect(refused.outcome.summary == "connection closed: no filter chain of https-8443 takes server name example.org")

        let isolated = try Self.explain(cases.first { $0.host == "admin.example.com" }!, fixture)
        #expect(isolated.listener?.gatewayListener?.name == "admin")
        #expect(isolated.listener?.gatewayListener?.reason.hasPrefix("the most specific of the port's 3 listeners") == true)
        #expect(isolated.virtualHost?.matchKind == .exact)

        let wildcard = try Self.explain(cases.first { $0.host == "Other.Example.com:8080" }!, fixture)
        #expect(wildcard.virtualHost?.domain == "*.example.com" && wildcard.virtualHost?.matchKind == .suffixWildcard)
    }
}
