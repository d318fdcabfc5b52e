/// Every upstream test of the GATEWAY-HTTP and GATEWAY-GRPC profiles (Gateway API v1.6.1), and where Meridian stands.
///
/// The README table (`Tests/Conformance/README.md`) is this list, checked by `ConformanceCatalogueTests`.
enum ConformanceCatalogue {
    enum State: Sendable, Equatable, CustomStringConvertible {
        /// Transcribed, and passes: any failure fails the suite.
        case passes
        /// Transcribed, and fails for this reason (a missing feature): it must fail, or the suite fails.
        case failing(String)
        /// Not transcribed yet: the harness lacks what the test needs (counted as not passing).
        case notTranscribed(String)
        /// Kubernetes-only behaviour with no meaning for files served by Meridian.
        case notApplicable(String)

        var description: String {
            switch self {
            case .passes: "pass"
            case .failing(let reason): "failing: \(reason)"
            case .notTranscribed(let reason): "not transcribed: \(reason)"
            case .notApplicable(let reason): "not applicable: \(reason)"
            }
        }
    }

    struct Entry: Sendable {
        var name: String
        /// Upstream's `Features` of the test.
        var features: String
        var provisional: Bool
        var state: State
    }

    static let entries: [Entry] = [
        Entry(name: "BackendTLSPolicy", features: "Gateway,HTTPRoute,BackendTLSPolicy", provisional: false, state: .passes),
        Entry(name: "BackendTLSPolicyConflictResolution", features: "Gateway,HTTPRoute,BackendTLSPolicy", provisional: false, state: .passes),
        Entry(name: "BackendTLSPolicyInvalidCACertificateRef", features: "Gateway,HTTPRoute,BackendTLSPolicy", provisional: false, state: .passes),
        Entry(name: "BackendTLSPolicyInvalidKind", features: "Gateway,HTTPRoute,BackendTLSPolicy", provisional: false, state: .passes),
        Entry(name: "BackendTLSPolicyObservedGenerationBump", features: "Gateway,HTTPRoute,BackendTLSPolicy", provisional: false, state: .passes),
        Entry(name: "BackendTLSPolicySANValidation", features: "Gateway,HTTPRoute,BackendTLSPolicy,BackendTLSPolicySANValidation", provisional: false, state: .passes),
        Entry(name: "GRPCExactMethodMatching", features: "Gateway,GRPCRoute", provisional: false, state: .passes),
        Entry(name: "GRPCRouteHeaderMatching", features: "Gateway,GRPCRoute", provisional: false, state: .passes),
        Entry(name: "GRPCRouteListenerHostnameMatching", features: "Gateway,GRPCRoute", provisional: false, state: .passes),
        Entry(name: "GRPCRouteNamedRule", features: "Gateway,GRPCRoute,GRPCRouteNamedRouteRule", provisional: true, state: .passes),
        Entry(name: "GRPCRouteWeight", features: "Gateway,GRPCRoute", provisional: false, state: .passes),
        Entry(name: "GatewayClassObservedGenerationBump", features: "Gateway", provisional: false, state: .passes),
        Entry(name: "GatewayFrontendClientCertificateValidation", features: "Gateway,HTTPRoute,GatewayFrontendClientCertificateValidation", provisional: false, state: .passes),
        Entry(name: "GatewayFrontendClientCertificateValidationInsecureFallback", features: "Gateway,HTTPRoute,GatewayFrontendClientCertificateValidation,GatewayFrontendClientCertificateValidationInsecureFallback", provisional: false, state: .passes),
        Entry(name: "GatewayFrontendInvalidDefaultClientCertificateValidation", features: "Gateway,HTTPRoute,GatewayFrontendClientCertificateValidation", provisional: false, state: .passes),
        Entry(name: "GatewayHTTPListenerIsolation", features: "Gateway,GatewayHTTPListenerIsolation,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "GatewayInfrastructure", features: "Gateway,GatewayInfrastructurePropagation", provisional: true, state: .notApplicable("propagates spec.infrastructure labels/annotations to the Kubernetes objects a controller deploys; Meridian deploys nothing")),
        Entry(name: "GatewayInvalidFrontendClientCertificateValidation", features: "Gateway,HTTPRoute,ReferenceGrant,GatewayFrontendClientCertificateValidation", provisional: false, state: .passes),
        Entry(name: "GatewayInvalidParametersRef", features: "Gateway", provisional: false, state: .passes),
        Entry(name: "GatewayInvalidRouteKind", features: "Gateway", provisional: false, state: .passes),
        Entry(name: "GatewayInvalidTLSBackendConfiguration", features: "Gateway,GatewayBackendClientCertificate,HTTPRoute,BackendTLSPolicy", provisional: false, state: .passes),
        Entry(name: "GatewayInvalidTLSConfiguration", features: "Gateway", provisional: false, state: .passes),
        Entry(name: "GatewayListenerUnsupportedProtocol", features: "Gateway", provisional: false, state: .passes),
        Entry(name: "GatewayModifyListeners", features: "Gateway", provisional: false, state: .passes),
        Entry(name: "GatewayObservedGenerationBump", features: "Gateway", provisional: false, state: .passes),
        Entry(name: "GatewayOptionalAddressValue", features: "Gateway,GatewayAddressEmpty", provisional: true, state: .notApplicable("Gateway spec.addresses with an empty value: address assignment by the cluster")),
        Entry(name: "GatewaySecretInvalidReferenceGrant", features: "Gateway,ReferenceGrant", provisional: false, state: .passes),
        Entry(name: "GatewaySecretMissingReferenceGrant", features: "Gateway,ReferenceGrant", provisional: false, state: .passes),
        Entry(name: "GatewaySecretReferenceGrantAllInNamespace", features: "Gateway,ReferenceGrant", provisional: false, state: .passes),
        Entry(name: "GatewaySecretReferenceGrantSpecific", features: "Gateway,ReferenceGrant", provisional: false, state: .passes),
        Entry(name: "GatewayStaticAddresses", features: "Gateway,GatewayStaticAddresses", provisional: false, state: .notApplicable("Gateway spec.addresses: assigning IP addresses to Gateways is the cluster's (a LoadBalancer's) job")),
        Entry(name: "GatewayTLSBackendClientCertificate", features: "Gateway,GatewayBackendClientCertificate,HTTPRoute,BackendTLSPolicy", provisional: false, state: .passes),
        Entry(name: "GatewayWithAttachedRoutes", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "GatewayWithAttachedRoutesWithPort8080", features: "Gateway,GatewayPort8080,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRoute303Redirect", features: "Gateway,HTTPRoute,HTTPRoute303RedirectStatusCode", provisional: true, state: .passes),
        Entry(name: "HTTPRoute307Redirect", features: "Gateway,HTTPRoute,HTTPRoute307RedirectStatusCode", provisional: true, state: .passes),
        Entry(name: "HTTPRoute308Redirect", features: "Gateway,HTTPRoute,HTTPRoute308RedirectStatusCode", provisional: true, state: .passes),
        Entry(name: "HTTPRouteBackendProtocolH2C", features: "Gateway,HTTPRoute,HTTPRouteBackendProtocolH2C", provisional: false, state: .passes),
        Entry(name: "HTTPRouteBackendProtocolWebSocket", features: "Gateway,HTTPRoute,HTTPRouteBackendProtocolWebSocket", provisional: false, state: .passes),
        Entry(name: "HTTPRouteBackendRequestHeaderModifier", features: "Gateway,HTTPRoute,HTTPRouteBackendRequestHeaderModification", provisional: false, state: .passes),
        Entry(name: "HTTPRouteCORS", features: "Gateway,HTTPRoute,HTTPRouteCORS", provisional: false, state: .passes),
        Entry(name: "HTTPRouteCrossNamespace", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        // Needs TLSRoute, so upstream runs it in GATEWAY-TLS, not GATEWAY-HTTP; kept here for its HTTPRoute status.
        Entry(name: "HTTPRouteDisallowedKind", features: "Gateway,HTTPRoute,TLSRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteExactPathMatching", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteHTTPSListener", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteHTTPSListenerDetectMisdirectedRequests", features: "Gateway,GatewayHTTPSListenerDetectMisdirectedRequests,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteHeaderMatching", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteHostnameIntersection", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteInvalidBackendRefUnknownKind", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteInvalidCrossNamespaceBackendRef", features: "Gateway,HTTPRoute,ReferenceGrant", provisional: false, state: .passes),
        Entry(name: "HTTPRouteInvalidCrossNamespaceParentRef", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteInvalidNonExistentBackendRef", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteInvalidParentRefNotMatchingListenerPort", features: "Gateway,HTTPRoute,HTTPRouteDestinationPortMatching", provisional: false, state: .passes),
        Entry(name: "HTTPRouteInvalidParentRefNotMatchingSectionName", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteInvalidParentRefSectionNameNotMatchingPort", features: "Gateway,HTTPRoute,HTTPRouteParentRefPort", provisional: false, state: .passes),
        Entry(name: "HTTPRouteInvalidReferenceGrant", features: "Gateway,HTTPRoute,ReferenceGrant", provisional: false, state: .passes),
        Entry(name: "HTTPRouteListenerHostnameMatching", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteListenerPortMatching", features: "Gateway,HTTPRoute,HTTPRouteParentRefPort", provisional: false, state: .passes),
        Entry(name: "HTTPRouteMatching", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteMatchingAcrossRoutes", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteMethodMatching", features: "Gateway,HTTPRoute,HTTPRouteMethodMatching", provisional: false, state: .passes),
        Entry(name: "HTTPRouteMultipleGateways", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteNamedRule", features: "Gateway,HTTPRoute,HTTPRouteNamedRouteRule", provisional: true, state: .passes),
        Entry(name: "HTTPRouteNoBackendRefs", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteObservedGenerationBump", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRoutePartiallyInvalidViaInvalidReferenceGrant", features: "Gateway,HTTPRoute,ReferenceGrant", provisional: false, state: .passes),
        Entry(name: "HTTPRoutePathMatchOrder", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteQueryParamMatching", features: "Gateway,HTTPRoute,HTTPRouteQueryParamMatching", provisional: false, state: .passes),
        Entry(name: "HTTPRouteRedirectHostAndStatus", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteRedirectPath", features: "Gateway,HTTPRoute,HTTPRoutePathRedirect", provisional: false, state: .passes),
        Entry(name: "HTTPRouteRedirectPort", features: "Gateway,HTTPRoute,HTTPRoutePortRedirect", provisional: false, state: .passes),
        Entry(name: "HTTPRouteRedirectPortAndScheme", features: "Gateway,HTTPRoute,HTTPRoutePortRedirect,GatewayPort8080", provisional: false, state: .passes),
        Entry(name: "HTTPRouteRedirectScheme", features: "Gateway,HTTPRoute,HTTPRouteSchemeRedirect", provisional: false, state: .passes),
        Entry(name: "HTTPRouteReferenceGrant", features: "Gateway,HTTPRoute,ReferenceGrant", provisional: false, state: .passes),
        Entry(name: "HTTPRouteRequestHeaderModifier", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteRequestHeaderModifierBackendWeights", features: "Gateway,HTTPRouteBackendRequestHeaderModification,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteRequestMirror", features: "Gateway,HTTPRoute,HTTPRouteRequestMirror", provisional: false, state: .passes),
        Entry(name: "HTTPRouteRequestMultipleMirrors", features: "Gateway,HTTPRoute,HTTPRouteRequestMirror,HTTPRouteRequestMultipleMirrors", provisional: false, state: .passes),
        Entry(name: "HTTPRouteRequestPercentageMirror", features: "Gateway,HTTPRoute,HTTPRouteRequestPercentageMirror", provisional: true, state: .passes),
        Entry(name: "HTTPRouteResponseHeaderModifier", features: "Gateway,HTTPRoute,HTTPRouteResponseHeaderModification", provisional: false, state: .passes),
        Entry(name: "HTTPRouteRetry", features: "Gateway,HTTPRoute,HTTPRouteRetry", provisional: false, state: .passes),
        Entry(name: "HTTPRouteRewriteHost", features: "Gateway,HTTPRoute,HTTPRouteHostRewrite", provisional: false, state: .passes),
        Entry(name: "HTTPRouteRewritePath", features: "Gateway,HTTPRoute,HTTPRoutePathRewrite", provisional: false, state: .passes),
        Entry(name: "HTTPRouteServiceTypes", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteSimpleSameNamespace", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "HTTPRouteTimeoutBackendRequest", features: "Gateway,HTTPRoute,HTTPRouteBackendTimeout", provisional: false, state: .passes),
        Entry(name: "HTTPRouteTimeoutRequest", features: "Gateway,HTTPRoute,HTTPRouteRequestTimeout", provisional: false, state: .passes),
        Entry(name: "HTTPRouteWeight", features: "Gateway,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "ListenerSetAllowedNamespaceNone", features: "Gateway,ListenerSet", provisional: false, state: .passes),
        Entry(name: "ListenerSetAllowedNamespaceSame", features: "Gateway,ListenerSet", provisional: false, state: .passes),
        Entry(name: "ListenerSetAllowedNamespaceSelector", features: "Gateway,ListenerSet", provisional: false, state: .passes),
        Entry(name: "ListenerSetAllowedRoutesNamespaces", features: "Gateway,ListenerSet,HTTPRoute,ReferenceGrant", provisional: false, state: .passes),
        Entry(name: "ListenerSetDefaultNotAllowed", features: "Gateway,ListenerSet", provisional: false, state: .passes),
        Entry(name: "ListenerSetDualParentRefIndependence", features: "Gateway,ListenerSet,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "ListenerSetGatewayParentSectionNameNotFound", features: "Gateway,ListenerSet,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "ListenerSetHTTPRouting", features: "Gateway,ListenerSet,HTTPRoute", provisional: false, state: .passes),
        Entry(name: "ListenerSetHostnameConflict", features: "Gateway,ListenerSet", provisional: false, state: .passes),
        Entry(name: "ListenerSetProtocolConflict", features: "Gateway,ListenerSet", provisional: false, state: .passes),
        Entry(name: "ListenerSetReferenceGrant", features: "Gateway,ListenerSet,ReferenceGrant", provisional: false, state: .passes),
        Entry(name: "ListenerSetRouteStatusScopedToParentRef", features: "Gateway,ListenerSet,HTTPRoute", provisional: false, state: .passes),
    ]
}
