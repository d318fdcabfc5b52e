import EnvoyAPI
import Foundation
import MeridianEncode
import MeridianIR
import MeridianServe
import MeridianTestSupport
import RegexCheck
import Testing

/// Meridian's RE2 check and a real Envoy 1.40 (`envoy --mode validate`) agree on each
/// pattern: both accept a program of exactly 100, both refuse 101, both refuse what RE2
/// cannot compile, in the same words. `.{48}` (100 as Latin-1, about 290 as UTF-8) and
/// `\x{100}` pin down that Envoy compiles as Latin-1.
@Suite("RE2 check against Envoy's own", .timeLimit(.minutes(3)))
struct EnvoyRegexBoundaryTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var pattern: String
        /// Where the pattern goes: a path, header or query parameter match.
        var position: Position = .path
        var testDescription: String { "\(position) \(pattern)" }

        enum Position: Sendable { case path, header, query }
    }

    static let cases: [Case] = [
        Case(pattern: "a{96}"), Case(pattern: "a{97}"),
        Case(pattern: ".{48}"), Case(pattern: ".{49}"),
        Case(pattern: "[a-z]{96}", position: .header), Case(pattern: "[a-z]{97}", position: .header),
        Case(pattern: "/x/" + String(repeating: "y", count: 93)), Case(pattern: "/x/" + String(repeating: "y", count: 94)),
        Case(pattern: "a{1000}", position: .query),
        Case(pattern: "^/users/(?<id>[0-9]+)/(?P<rest>.*)$"),
        Case(pattern: "(?=x)"), Case(pattern: "(a)\\1", position: .header), Case(pattern: "x{2000}", position: .query),
        Case(pattern: "\\x{100}"), Case(pattern: "(?<n>a"), Case(pattern: "(?<>a)"), Case(pattern: "(?<n", position: .header),
    ]

    @Test("Envoy accepts exactly what the check accepts", arguments: cases)
    func agrees(_ testCase: Case) throws {
        let verdict = EnvoyRegex.check(testCase.pattern)
        let result = try Self.validate(testCase)
        switch verdict {
        case .accepted(let size):
            #expect(result.valid, "program size \(size) passes the check but Envoy refuses: \(result.output)")
            #expect(size <= 100)
        case .overLimit(let size, let limit):
            #expect(!result.valid, "the check refuses program size \(size), Envoy accepts")
            #expect(result.output.contains("RE2 program size of \(size) > max program size of \(limit) set for the error level threshold"), "\(result.output)")
        case .invalid(let reason):
            #expect(!result.valid, "the check refuses (\(reason)), Envoy accepts")
            #expect(result.output.contains(reason), "Envoy says it otherwise: \(result.output)")
        case .empty:
            Issue.record("no empty pattern in the table")
        }
    }

    @Test("the table straddles the limit: sizes 100 and 101 or 102 of each kind")
    func straddles() {
        let sizes = Self.cases.map { EnvoyRegex.check($0.pattern) }
        #expect(sizes.filter { $0 == .accepted(programSize: 100) }.count == 4)
        #expect(sizes.filter { if case .overLimit(let size, _) = $0 { size <= 102 } else { false } }.count == 4)
    }

    /// One route on one listener, the pattern at its position; encoded and embedded in a static bootstrap.
    static func validate(_ testCase: Case) throws -> (valid: Bool, output: String) {
        var match = RouteMatch(path: .prefix("/"))
        switch testCase.position {
        case .path: match.path = .regularExpression(testCase.pattern)
        case .header: match.headers = [HeaderMatch(name: "x-model", value: .regularExpression(testCase.pattern))]
        case .query: match.queryParameters = [QueryParameterMatch(name: "q", value: .regularExpression(testCase.pattern))]
        }
        let configuration = ProxyConfiguration(
            group: "ns/gw",
            listeners: [Listener(name: "http", address: "127.0.0.1", port: 8080, routeTableName: "http")],
            routeTables: [RouteTable(name: "http", virtualHosts: [
                VirtualHost(name: "any", domains: ["*"], routes: [Route(name: "regex", match: match, action: .directResponse(status: 204, body: ""))]),
            ])],
            clusters: []
        )
        let snapshot = try Snapshot(resources: EnvoyResourceEncoder.encode(configuration))
        let bootstrap = try StaticBootstrap.embedding(configDump: ConfigDump.render(snapshot))
        return try StaticBootstrap.validate(bootstrap, directory: try RepositoryPaths.makeScratchDirectory("regex-boundary"))
    }
}

@Suite("Header values reach Envoy as literal text")
struct HeaderValueEncodingTests {
    @Test("every % is doubled, so Envoy neither refuses a lone % nor expands %REQ(...)%; Envoy accepts the result")
    func percentIsEscaped() throws {
        let headers = HeaderModifications(overwrite: [HeaderValue(name: "x-offer", value: "50% off, %REQ(:path)%")])
        let configuration = SampleConfigurations.singleBackend(listenerPort: 8080, cluster: "svc", endpoints: [Endpoint(address: "127.0.0.1", port: 9000)],
                                                               extraRoutes: [Route(name: "offer", match: RouteMatch(path: .exact("/offer")), action: .directResponse(status: 200, body: ""),
                                                                                   requestHeaders: headers, responseHeaders: headers)])
        let snapshot = try SampleConfigurations.snapshot(configuration)
        let route = try #require(ProtobufJSON.render(typeURL: ResourceType.route.typeURL, bytes: snapshot.resource(.route, named: "routes")!.message.bytes)).json()
        #expect(route.contains(#""value": "50%% off, %%REQ(:path)%%""#), "\(route)")
        let bootstrap = try StaticBootstrap.embedding(configDump: ConfigDump.render(snapshot))
        let result = try StaticBootstrap.validate(bootstrap, directory: try RepositoryPaths.makeScratchDirectory("percent"))
        #expect(result.valid, "\(result.output)")
    }
}

@Suite("Meridian's own regular expressions")
struct GeneratedRegexTests {
    /// The longest PathPrefix the Gateway API allows (1,024 characters), with every path punctuation mark.
    static let longestPrefix = String(("/a-._~!$&'()*+,;=:@%41" + String(repeating: "x", count: 1_024)).prefix(1_024))

    @Test("the rewrite regexes Meridian writes pass the RE2 check for the longest prefix: RE2 does not count a ^literal prefix")
    func rewritesStayWithinTheLimit() throws {
        let routes = [
            Route(name: "strip", match: RouteMatch(path: .segmentPrefix(Self.longestPrefix)), action: .forward([WeightedBackend(clusterName: "svc", weight: 1)]),
                  rewrite: URLRewrite(path: .prefix("/"))),
            Route(name: "full", match: RouteMatch(path: .segmentPrefix(Self.longestPrefix)), action: .forward([WeightedBackend(clusterName: "svc", weight: 1)]),
                  rewrite: URLRewrite(path: .fullPath("/x"))),
            Route(name: "moved", match: RouteMatch(path: .segmentPrefix(Self.longestPrefix)), action: .redirect(Redirect(path: .prefix("/")))),
        ]
        let configuration = SampleConfigurations.singleBackend(listenerPort: 8080, cluster: "svc", endpoints: [Endpoint(address: "127.0.0.1", port: 9000)], extraRoutes: routes)
        let snapshot = try SampleConfigurations.snapshot(configuration)
        let table = try #require(ProtobufJSON.render(typeURL: ResourceType.route.typeURL, bytes: snapshot.resource(.route, named: "routes")!.message.bytes))
        let encoded = (0..<3).compactMap { index -> String? in
            let route = table.at("virtual_hosts", 0, "routes", .index(index))
            let pattern = route?.at("route", "regex_rewrite", "pattern", "regex") ?? route?.at("redirect", "regex_rewrite", "pattern", "regex")
            if case .string(let text)? = pattern { return text }
            return nil
        }
        #expect(encoded.count == 3)
        for pattern in encoded {
            #expect(EnvoyRegex.problem(pattern) == nil, "\(pattern.prefix(60))…: \(EnvoyRegex.check(pattern))")
        }
        let bootstrap = try StaticBootstrap.embedding(configDump: ConfigDump.render(snapshot))
        let result = try StaticBootstrap.validate(bootstrap, directory: try RepositoryPaths.makeScratchDirectory("rewrite-regex"))
        #expect(result.valid, "\(result.output)")
    }
}
