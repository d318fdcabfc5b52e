import Testing

extension ConformanceTest {
    /// Upstream's `BackendTLSPolicyMustHaveCondition`: the policy's ancestor status for `gateway` has the condition.
    func policyMustHaveCondition(_ policy: String, gateway: String, _ condition: ExpectedCondition) {
        var conditions: [(type: String, status: String, reason: String)] = []
        if case .array(let ancestors)? = resource("BackendTLSPolicy", policy)?["ancestors"] {
            for ancestor in ancestors {
                let reference = ancestor["ancestorRef"]
                let text = reference?.string ?? reference?["name"]?.string ?? ""
                let name = gateway.split(separator: "/").last.map(String.init) ?? gateway
                guard text == "Gateway \(gateway)" || text.hasPrefix("Gateway \(gateway) ") || text == name else { continue }
                conditions += Self.conditions(ancestor["conditions"])
            }
        }
        if !Self.has(conditions, condition) { fail("BackendTLSPolicy \(policy) for \(gateway): expected \(condition), got \(Self.describe(conditions))") }
    }
}

private let accepted = ConformanceTest.ExpectedCondition("Accepted", "True", "Accepted")
private let resolved = ConformanceTest.ExpectedCondition("ResolvedRefs", "True", "ResolvedRefs")

private func sniRequest(_ path: String, host: String = "abc.example.com", sni: String, statuses: [Int] = [200]) -> ExpectedResponse {
    var expected = request(path, host: host, namespace: infra, statuses: statuses)
    expected.request.sni = sni
    return expected
}

/// BackendTLSPolicy: TLS from the Gateway to the `tls-backend` echo pods (echo-basic's 8443, with the
/// `tls-checks-certificate` the suite signs with `tls-checks-ca-certificate`).
@Suite("Conformance: BackendTLSPolicy", .timeLimit(.minutes(5)))
struct BackendTLSPolicyConformance {
    @Test func BackendTLSPolicy() async throws {
        try await conformance("BackendTLSPolicy", manifests: ["backendtlspolicy.yaml"]) { t in
            let httpsGateway = nn(infra, "same-namespace-with-https-listener")
            let httpsAddress = try await acceptedWithRefs(t, httpsGateway, [nn(infra, "backendtlspolicy-reencrypt")])
            t.policyMustHaveCondition(nn(infra, "normative-test"), gateway: httpsGateway, accepted)
            t.policyMustHaveCondition(nn(infra, "normative-test"), gateway: httpsGateway, resolved)
            let ca = try t.validityChecksCertificateFile()
            await t.expect(httpsAddress.https(serverName: "https-listener.org", caFile: ca),
                           request("/backendtlspolicy", host: "https-listener.org", namespace: infra,
                                   expected: .init(path: "/backendtlspolicy", sni: "abc.example.com"), statuses: [200]))

            let gateway = nn(infra, "same-namespace")
            let address = try await acceptedWithRefs(t, gateway, [nn(infra, "backendtlspolicy")])
            for policy in ["normative-test", "host-mismatch", "cert-mismatch", "reconcile-test"] {
                t.policyMustHaveCondition(nn(infra, policy), gateway: gateway, accepted)
                t.policyMustHaveCondition(nn(infra, policy), gateway: gateway, resolved)
            }
            await t.expect(address, sniRequest("/backendtlspolicy", sni: "abc.example.com"))
            await t.expectFailure(address, .init(host: "abc.example.org", path: "/backendtlspolicy-host-mismatch"))
            await t.expectFailure(address, .init(host: "abc.example.com", path: "/backendtlspolicy-cert-mismatch"))
            try reconcileConfigMap(t, gateway: gateway)
        }
    }

    /// "Changing the content of a ConfigMap used by BackendTLSPolicy as CA certificate should be
    /// reconciled by the controller": the policy is patched to a ConfigMap that does not exist
    /// yet, which is then applied (a copy of the shared CA), emptied and refilled; after each
    /// edit of the files the policy's status is the one the pipeline `meridian serve` runs
    /// computes from them.
    private func reconcileConfigMap(_ t: ConformanceTest, gateway: String) throws {
        let policy = nn(infra, "reconcile-test")
        let invalid = [ConformanceTest.ExpectedCondition("Accepted", "False", "NoValidCACertificate"),
                       ConformanceTest.ExpectedCondition("ResolvedRefs", "False", "InvalidCACertificateRef")]
        func mustBe(_ conditions: [ConformanceTest.ExpectedCondition]) {
            for condition in conditions { t.policyMustHaveCondition(policy, gateway: gateway, condition) }
        }
        mustBe([accepted, resolved])

        // The shared ConfigMap's CA (upstream reads tls-checks-ca-certificate's ca.crt back).
        let originalCAData = SuiteSecrets.checksCA.certificatePEM
        let testConfigMap = "tls-checks-ca-certificate-reconcile-test"
        func configMapYAML(caData: String) -> String {
            let value = caData.isEmpty ? "\"\"" : "|\n" + caData.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n")
            return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(testConfigMap)\n  namespace: \(infra)\ndata:\n  ca.crt: \(value)\n"
        }
        func patchConfigMapCACert(_ caData: String) throws {
            try t.environment.patch(kind: "ConfigMap", name: nn(infra, testConfigMap)) { document in
                guard let data = document.range(of: "\ndata:\n") else { return document }
                let fresh = configMapYAML(caData: caData)
                return String(document[..<data.lowerBound]) + String(fresh[fresh.range(of: "\ndata:\n")!.lowerBound...])
            }
        }

        // The policy now names a ConfigMap that does not exist yet.
        try t.environment.patch(kind: "BackendTLSPolicy", name: policy) { document in
            document.replacingOccurrences(of: "name: \"tls-checks-ca-certificate\"", with: "name: \"\(testConfigMap)\"")
        }
        mustBe(invalid)
        try t.environment.apply(configMapYAML(caData: originalCAData))
        mustBe([accepted, resolved])
        try patchConfigMapCACert("")
        mustBe(invalid)
        try patchConfigMapCACert(originalCAData)
        mustBe([accepted, resolved])

        // Restored to the shared ConfigMap, as upstream leaves it.
        try t.environment.patch(kind: "BackendTLSPolicy", name: policy) { document in
            document.replacingOccurrences(of: "name: \"\(testConfigMap)\"", with: "name: \"tls-checks-ca-certificate\"")
        }
        mustBe([accepted, resolved])
    }

    @Test func BackendTLSPolicyConflictResolution() async throws {
        try await conformance("BackendTLSPolicyConflictResolution", manifests: ["backendtlspolicy-conflict-resolution.yaml"]) { t in
            let gateway = nn(infra, "same-namespace")
            let address = try await acceptedWithRefs(t, gateway, [nn(infra, "backendtlspolicy-conflict-resolution")])
            let conflicted = ConformanceTest.ExpectedCondition("Accepted", "False", "Conflicted")
            t.policyMustHaveCondition(nn(infra, "conflicted-without-section-name-1"), gateway: gateway, accepted)
            t.policyMustHaveCondition(nn(infra, "conflicted-without-section-name-2"), gateway: gateway, conflicted)
            await t.expect(address, sniRequest("/backendtlspolicy-conflicted-without-section-name", sni: "other.example.com"))
            t.policyMustHaveCondition(nn(infra, "conflicted-with-section-name-1"), gateway: gateway, accepted)
            t.policyMustHaveCondition(nn(infra, "conflicted-with-section-name-2"), gateway: gateway, conflicted)
            await t.expect(address, sniRequest("/backendtlspolicy-conflicted-with-section-name", sni: "other.example.com"))
            t.policyMustHaveCondition(nn(infra, "not-conflicted-with-section-name"), gateway: gateway, accepted)
            t.policyMustHaveCondition(nn(infra, "not-conflicted-without-section-name"), gateway: gateway, accepted)
            await t.expect(address, sniRequest("/backendtlspolicy-not-conflicted-with-section-name", sni: "other.example.com"))
            await t.expect(address, sniRequest("/backendtlspolicy-not-conflicted-without-section-name", sni: "abc.example.com"))
        }
    }

    @Test func BackendTLSPolicyInvalidCACertificateRef() async throws {
        try await conformance("BackendTLSPolicyInvalidCACertificateRef", manifests: ["backendtlspolicy-invalid-ca-certificate-ref.yaml"]) { t in
            let gateway = nn(infra, "same-namespace")
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: [nn(infra, "backendtlspolicy-invalid-ca-certificate-ref")])
            for policy in ["nonexistent-ca-certificate-ref", "malformed-ca-certificate-ref"] {
                t.policyMustHaveCondition(nn(infra, policy), gateway: gateway, .init("Accepted", "False", "NoValidCACertificate"))
                t.policyMustHaveCondition(nn(infra, policy), gateway: gateway, .init("ResolvedRefs", "False", "InvalidCACertificateRef"))
                await t.expect(address, request("/backendtlspolicy-\(policy)", host: "abc.example.com", namespace: infra, statuses: [500, 502, 503]))
            }
        }
    }

    @Test func BackendTLSPolicyInvalidKind() async throws {
        try await conformance("BackendTLSPolicyInvalidKind", manifests: ["backendtlspolicy-invalid-kind.yaml"]) { t in
            let gateway = nn(infra, "same-namespace")
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: [nn(infra, "backendtlspolicy-invalid-kind-test")])
            t.policyMustHaveCondition(nn(infra, "invalid-kind"), gateway: gateway, .init("Accepted", "False", "NoValidCACertificate"))
            t.policyMustHaveCondition(nn(infra, "invalid-kind"), gateway: gateway, .init("ResolvedRefs", "False", "InvalidKind"))
            await t.expect(address, request("/backendtlspolicy-invalid-kind", host: "abc.example.com", namespace: infra, statuses: [500, 502, 503]))
        }
    }

    @Test func BackendTLSPolicySANValidation() async throws {
        try await conformance("BackendTLSPolicySANValidation", manifests: ["backendtlspolicy-san.yaml"]) { t in
            let gateway = nn(infra, "same-namespace")
            let address = try await acceptedWithRefs(t, gateway, [nn(infra, "backendtlspolicy-san-test")])
            for (policy, path, passes) in [("san-dns", "/backendtlspolicy-san-dns", true), ("san-dns-mismatch", "/backendtlspolicy-san-dns-mismatch", false),
                                           ("san-uri", "/backendtlspolicy-san-uri", true), ("san-uri-mismatch", "/backendtlspolicy-san-uri-mismatch", false),
                                           ("multiple-sans", "/backendtlspolicy-multiple-sans", true),
                                           ("multiple-mismatch-sans", "/backendtlspolicy-multiple-mismatch-sans", false)] {
                t.policyMustHaveCondition(nn(infra, policy), gateway: gateway, accepted)
                if passes {
                    await t.expect(address, sniRequest(path, sni: "abc.example.com"))
                } else {
                    await t.expectFailure(address, .init(host: "abc.example.com", path: path))
                }
            }
        }
    }
}
