import Foundation
import MeridianTestSupport
import Testing

/// The `Location` of `RequestRedirect` filters as Envoy 1.40 writes it from what Meridian
/// serves, on a listener whose port (the fixture's, above 1024) is no scheme's default: the
/// clients' `Host` carries it.
@Suite("RequestRedirect ports through Envoy", .serialized, .timeLimit(.minutes(3)))
struct RedirectServeTests {
    @Test("Location: the filter's port, the scheme's well-known one, or the listener's; no port when it is the scheme's default")
    func locations() async throws {
        func rule(_ path: String, _ filter: String) -> String {
            "    - matches: [{path: {type: PathPrefix, value: \(path)}}]\n      filters: [{type: RequestRedirect, requestRedirect: \(filter)}]"
        }
        let routes = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: any-host, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
        \(rule("/scheme", "{scheme: https}"))
        \(rule("/host", "{hostname: example.org}"))
        \(rule("/host-port-80", "{hostname: example.org, port: 80}"))
        \(rule("/same", "{}"))
        \(rule("/scheme-port", "{scheme: https, port: 8443}"))
        \(rule("/scheme-host", "{scheme: https, hostname: example.org}"))
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: exact-host, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          hostnames: [exact.example.com]
          rules:
        \(rule("/scheme", "{scheme: https}"))
        \(rule("/http-80", "{port: 80}"))
        """
        let fixture = try await ServeFixture("redirects", backendNames: [], routes: routes)
        defer { fixture.stop() }
        let port = fixture.listenerPort
        func location(_ path: String, host: String) async -> String? {
            guard let response = await HTTPProbe.trySend(port: port, path: path, host: "\(host):\(port)"), response.status == 302 else { return nil }
            return response.headers["location"]
        }
        #expect(await eventually(timeout: .seconds(15)) { await location("/same", host: "a.example.com") != nil }, "\(fixture.meridianLog)")

        #expect(await location("/same", host: "a.example.com") == "http://a.example.com:\(port)/same", "the listener's port")
        #expect(await location("/host", host: "a.example.com") == "http://example.org:\(port)/host", "the listener's port, also with a new host name")
        #expect(await location("/host-port-80", host: "a.example.com") == "http://example.org/host-port-80")
        #expect(await location("/scheme-port", host: "a.example.com") == "https://a.example.com:8443/scheme-port")
        #expect(await location("/scheme-host", host: "a.example.com") == "https://example.org/scheme-host")
        // An exact host name is named in the redirect, and Envoy then writes no port.
        #expect(await location("/scheme", host: "exact.example.com") == "https://exact.example.com/scheme")
        #expect(await location("/http-80", host: "exact.example.com") == "http://exact.example.com/http-80")
        // Any host: the client's :port can only be replaced by an explicit one, and Envoy writes :443.
        #expect(await location("/scheme", host: "a.example.com") == "https://a.example.com:443/scheme")
    }
}
