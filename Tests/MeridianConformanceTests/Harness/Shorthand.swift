/// Names from upstream's `conformance/utils/suite`, and a short way to write an expectation.
let infra = "gateway-conformance-infra"
let appBackend = "gateway-conformance-app-backend"
let webBackend = "gateway-conformance-web-backend"
let v1 = "infra-backend-v1"
let v2 = "infra-backend-v2"
let v3 = "infra-backend-v3"

/// `Request{Host, Method, Path, Headers}` → `Backend`/`Namespace`, or a status.
func request(_ path: String, host: String = "", method: String = "", headers: [String: String] = [:],
             backend: String = "", namespace: String = "", status: Int? = nil,
             expected: ExpectedResponse.ExpectedRequest? = nil, redirect: ExpectedResponse.Redirect? = nil,
             unfollowRedirect: Bool = false, responseHeaders: [String: String] = [:], absentResponseHeaders: [String] = [],
             validResponseHeaders: [String: [String]] = [:], ignoreWhitespace: Bool = false, statuses: [Int] = [],
             backendSetResponseHeaders: [String: String] = [:], name: String = "") -> ExpectedResponse {
    ExpectedResponse(
        request: .init(host: host, method: method, path: path, headers: headers, unfollowRedirect: unfollowRedirect),
        expectedRequest: expected, redirect: redirect, backendSetResponseHeaders: backendSetResponseHeaders,
        response: .init(statusCodes: statuses, headers: responseHeaders, absentHeaders: absentResponseHeaders,
                        validHeaderValues: validResponseHeaders, ignoreWhitespace: ignoreWhitespace),
        status: status, backend: backend, namespace: namespace, name: name
    )
}

/// `ns/name` for a namespaced object.
func nn(_ namespace: String, _ name: String) -> String { "\(namespace)/\(name)" }
