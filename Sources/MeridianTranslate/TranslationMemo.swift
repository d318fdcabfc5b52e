import MeridianIR
import MeridianLoad
import Synchronization

/// Route translations kept from the last build, so that an edit to a few routes translates
/// those routes and takes every other route's compiled rules and placements from here.
///
/// A route's compiled rules and the Envoy routes and clusters it places are a function of the
/// route itself and of everything that is not a route (Gateways, Services, policies, options):
/// an entry is used only for an identical route (source position included) while all of that
/// is equal to the last build's, and the memo is emptied otherwise. A placement is kept only
/// where no policy contributed to its routes (the policy ledger then records nothing for it);
/// backend settings are still asked for on replay, so the ledger sees every backend as before.
/// What depends on the other routes (attachment, cross serving, listener isolation, status)
/// always runs. `IncrementalLoadTests` compares builds with the memo against builds from
/// scratch over long random edit series.
public final class TranslationMemo: Sendable {
    struct Context: Equatable, Sendable {
        var gatewayClasses: [GatewayClass]
        var gateways: [Gateway]
        var listenerSets: [ListenerSet]
        var services: [Service]
        var endpointSlices: [EndpointSlice]
        var referenceGrants: [ReferenceGrant]
        var namespaces: [Namespace]
        var secrets: [Secret]
        var configMaps: [ConfigMap]
        var policies: LoadedPolicies
        var rejectedObjects: [RejectedObject]
        var options: TranslationOptions

        init(_ input: TranslationInput, options: TranslationOptions) {
            gatewayClasses = input.gatewayClasses
            gateways = input.gateways
            listenerSets = input.listenerSets
            services = input.services
            endpointSlices = input.endpointSlices
            referenceGrants = input.referenceGrants
            namespaces = input.namespaces
            secrets = input.secrets
            configMaps = input.configMaps
            policies = input.policies
            rejectedObjects = input.rejectedObjects
            self.options = options
        }
    }

    /// A route as loaded. Entries are found by `name` and used only if the whole route is
    /// equal: comparing is cheap where hashing is not, since a route replayed from the parse
    /// cache shares its storage with the last build's (equal arrays and strings compare by
    /// identity first).
    enum RouteKey: Equatable, Sendable {
        case http(HTTPRoute)
        case grpc(GRPCRoute)

        var name: String {
            switch self {
            case .http(let route): "HTTPRoute \(route.qualifiedName)"
            case .grpc(let route): "GRPCRoute \(route.qualifiedName)"
            }
        }
    }

    /// What placing a route on one placement did, to be done again as it was.
    struct Placed: Sendable {
        /// Clusters added, in order, each with the backend whose settings it carries.
        var clusters: [(backend: BackendKey, cluster: Cluster)] = []
        var routes: [(route: Route, precedence: RoutePrecedence)] = []
    }

    struct Entry: Sendable {
        var route: RouteKey
        var rules: [CompiledRule]
        var problems: RuleProblems
        var placements: [Placement: Placed]
        /// Every placement made, also those a policy took part in (not kept in `placements`):
        /// where the route was, for `ListenerIsolation.HostMemo.changedHostnames`.
        var placed: [Placement] = []
    }

    struct State: Sendable {
        var context: Context?
        var entries: [String: Entry] = [:]
        /// Kept whatever the context: see `ListenerIsolation.HostMemo`.
        var hosts: [String: ListenerIsolation.HostMemo.Entry] = [:]
    }

    private let state = Mutex(State())
    private let hitCount = Atomic<Int>(0)

    public init() {}

    /// Routes whose compiled rules were taken from the memo, since it was made.
    public var hits: Int { hitCount.load(ordering: .relaxed) }

    /// Virtual hosts taken without looking at their routes (no changed host name covers
    /// them), since the memo was made.
    public var unchangedHosts: Int { unchangedHostCount.load(ordering: .relaxed) }
    private let unchangedHostCount = Atomic<Int>(0)

    /// The entries of the last build, if its context is `context`; the memo is empty after.
    func take(for context: Context) -> (entries: [String: Entry], hosts: [String: ListenerIsolation.HostMemo.Entry]) {
        state.withLock { state in
            defer { state = State() }
            return (state.context == context ? state.entries : [:], state.hosts)
        }
    }

    func store(_ entries: [String: Entry], hosts: ListenerIsolation.HostMemo?, context: Context, hits: Int) {
        hitCount.add(hits, ordering: .relaxed)
        unchangedHostCount.add(hosts?.unchangedHits ?? 0, ordering: .relaxed)
        let hosts = hosts?.current ?? [:]
        state.withLock { $0 = State(context: context, entries: entries, hosts: hosts) }
    }
}
