/// Follows one collection of the API server until its task is cancelled: lists it, watches it,
/// resumes and lists again as `ListWatch` says, and hands each change of the local copy to
/// `onChange` (the whole copy and what changed).
public struct CollectionFollower: Sendable {
    public var client: KubernetesAPIClient
    /// The collection's path, for example `/apis/gateway.networking.k8s.io/v1/httproutes`.
    public var collection: String
    /// Objects per list page (`limit`).
    public var pageSize: Int
    /// How long the server keeps one watch open (`timeoutSeconds`); it is then opened again.
    public var watchTimeoutSeconds: Int
    public var initialBackoff: Duration
    public var maximumBackoff: Duration

    public init(client: KubernetesAPIClient, collection: String, pageSize: Int = 500, watchTimeoutSeconds: Int = 300,
                initialBackoff: Duration = .milliseconds(100), maximumBackoff: Duration = .seconds(30)) {
        self.client = client
        self.collection = collection
        self.pageSize = pageSize
        self.watchTimeoutSeconds = watchTimeoutSeconds
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
    }

    public typealias Store = ObjectStore<KubernetesObject>

    /// What happened to the collection.
    public enum Event: Sendable {
        /// The copy changed.
        case changed(Store, Store.Delta)
        /// A complete list was read (changed or not): the copy is the server's as of now.
        case listed(Store)
        /// A request failed; the follower retries as `ListWatch` says.
        case failed(KubernetesAPIError)
    }

    public func run(onChange: (Store, Store.Delta) async -> Void) async {
        await run { event in
            if case .changed(let store, let delta) = event { await onChange(store, delta) }
        }
    }

    public func run(onEvent: (Event) async -> Void) async {
        var machine = ListWatch<KubernetesObject>(initialBackoff: initialBackoff, maximumBackoff: maximumBackoff)
        var store = Store()
        var request: ListWatch<KubernetesObject>.Request? = machine.start()
        var delay = Duration.zero
        func apply(_ changes: [ListWatch<KubernetesObject>.Change]) async {
            for change in changes {
                let delta = store.apply(change)
                if !delta.isEmpty { await onEvent(.changed(store, delta)) }
                if case .replaceAll = change { await onEvent(.listed(store)) }
            }
        }
        while !Task.isCancelled, let current = request {
            if delay > .zero {
                do { try await Task.sleep(for: delay) } catch { return }
            }
            let reaction: ListWatch<KubernetesObject>.Reaction
            switch current {
            case .list(let token):
                do {
                    let page = try await client.list(collection, limit: pageSize, continue: token)
                    reaction = machine.listed(page.items.map { ($0.key, $0) }, resourceVersion: page.resourceVersion, continue: page.continue)
                } catch {
                    await onEvent(.failed(error))
                    reaction = machine.listFailed(status: Self.status(of: error))
                }
            case .watch(let version):
                // An ERROR event says what comes next; the server then ends the stream.
                var decided: ListWatch<KubernetesObject>.Reaction?
                do {
                    try await client.watch(collection, from: version, timeoutSeconds: watchTimeoutSeconds) { event in
                        guard decided == nil, let type = ListWatch<KubernetesObject>.EventType(rawValue: event.type) else { return }
                        let step = machine.event(type, key: event.object?.key ?? "", object: event.object,
                                                 resourceVersion: event.object?.resourceVersion, errorCode: event.errorCode)
                        await apply(step.changes)
                        if step.next != nil { decided = step }
                    }
                    reaction = decided ?? machine.watchEnded()
                } catch {
                    await onEvent(.failed(error))
                    reaction = decided ?? machine.watchFailed(status: Self.status(of: error))
                }
            }
            await apply(reaction.changes)
            request = reaction.next
            delay = reaction.delay
        }
    }

    static func status(of error: KubernetesAPIError) -> Int? {
        if case .status(let code, _) = error { return code }
        return nil
    }
}
