import MeridianLoad

/// What the translator makes of one backendRef, for tools that explain a translation after
/// the fact (`meridian explain`): the Envoy cluster it became, or why it could not be
/// resolved, with the reason the route's `ResolvedRefs` condition uses.
///
/// It runs the translator's own resolution (`BackendResolution`), so its answer cannot
/// differ from what was translated.
public struct BackendDiagnosis: Sendable {
    /// One backendRef's fate.
    public enum Verdict: Sendable, Hashable {
        /// It became this Envoy cluster.
        case resolved(clusterName: String)
        /// It could not be resolved; its share of the traffic answers the rule's error status.
        case unresolved(reason: ConditionReason, message: String)
    }

    private let context: TranslationContext

    /// Indexes the input once; `options` must be the translation's own.
    public init(_ input: TranslationInput, options: TranslationOptions) {
        context = TranslationContext(input: input, options: options)
    }

    /// The verdict on `reference`, written in a route of `routeKind` (`HTTPRoute` or
    /// `GRPCRoute`) in `routeNamespace`; nil for a route kind Meridian does not serve.
    public func verdict(on reference: BackendObjectReference, routeKind: String, routeNamespace: String) -> Verdict? {
        guard let kind = RouteKind(rawValue: routeKind) else { return nil }
        switch BackendResolution.resolve(reference, routeKind: kind, routeNamespace: routeNamespace, context: context) {
        case .success(let resolved):
            return .resolved(clusterName: resolved.cluster.name)
        case .failure(let problem):
            return .unresolved(reason: problem.reason, message: problem.message)
        }
    }
}
