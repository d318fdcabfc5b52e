import MeridianIR
import MeridianLoad
import MeridianTranslate
import Testing

/// Each route rule names the statistics Envoy keeps for it (`Route.statPrefix`), shared by
/// the rule's matches, so dashboards see one series per rule.
@Suite("Per-route statistics names")
struct RouteStatisticsTranslationTests {
    @Test("every match of a rule counts under <namespace>/<route>/rule<N>; GRPCRoutes get the grpc: prefix their route names have")
    func statPrefixPerRule() throws {
        let translation = translate(gateway(listeners: httpListener) + service("a") + """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: models.v1, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          hostnames: [api.example.com]
          rules:
            - matches: [{path: {type: PathPrefix, value: /chat}}, {path: {type: Exact, value: /complete}}]
              backendRefs: [{name: a, port: 80}]
            - matches: [{path: {type: PathPrefix, value: /slow}}]
              backendRefs: [{name: a, port: 80}]
        """ + grpcRoute(name: "g", """
        hostnames: [grpc.example.com]
        rules:
          - matches: [{method: {service: echo.Echo, method: Ping}}]
            backendRefs: [{name: a, port: 80}]
        """))
        let routes = try #require(translation.proxy("ns/gw")).routeTables.flatMap(\.virtualHosts).flatMap(\.routes)
        let prefixes = Dictionary(uniqueKeysWithValues: routes.map { ($0.name, $0.statPrefix) })
        #expect(prefixes == [
            "ns/models.v1/rule0/match0": "ns/models.v1/rule0",
            "ns/models.v1/rule0/match1": "ns/models.v1/rule0",
            "ns/models.v1/rule1/match0": "ns/models.v1/rule1",
            "grpc:ns/g/rule0/match0": "grpc:ns/g/rule0",
        ])
    }
}
