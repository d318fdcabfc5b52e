import Logging
import MeridianKubernetes
import MeridianLoad
import ServiceLifecycle
import Synchronization

/// `serve --source kubernetes`: follows every kind Meridian reads on the API server and serves
/// each change through the watcher, as a reload of files would be served. Nothing is served
/// before every collection was listed once (a Gateway's routes without their Services would
/// answer 500); a collection the server does not have (404: its CRD is not installed) or will
/// not show (403: RBAC) counts as empty, and is asked for again as the follower retries.
public struct KubernetesSourceService: ServiceLifecycle.Service {
    let connection: KubernetesConnection
    /// Namespaces to read namespaced kinds from; empty: every namespace.
    let namespaces: [String]
    let watcher: ConfigurationWatcher
    let logger: Logger

    public init(connection: KubernetesConnection, namespaces: [String], watcher: ConfigurationWatcher, logger: Logger) {
        self.connection = connection
        self.namespaces = namespaces
        self.watcher = watcher
        self.logger = logger
    }

    /// The collections followed: each kind cluster-wide, or per namespace given.
    var collections: [(kind: ReadKind, path: String)] {
        ReadKinds.all.flatMap { kind -> [(kind: ReadKind, path: String)] in
            guard kind.isNamespaced, !namespaces.isEmpty else { return [(kind, kind.collection(namespace: nil))] }
            return namespaces.map { (kind, kind.collection(namespace: $0)) }
        }
    }

    struct Collections: Sendable {
        var objects: [String: [KubernetesObject]] = [:]
        var ready: Set<String> = []
    }

    /// The followers' shared view: what each collection holds, and which were read once.
    final class SharedCollections: Sendable {
        let state = Mutex(Collections())
    }

    public func run() async throws {
        let followed = collections
        let session = try KubernetesSession(connection: connection, watches: followed.count)
        let state = SharedCollections()
        let (changes, changed) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        logger.info("following the Kubernetes API", metadata: ["server": "\(connection.server)", "collections": "\(followed.count)"])
        // Until the service group shuts down (SIGTERM, SIGINT): then every follower stops.
        try? await cancelWhenGracefulShutdown {
            await follow(followed, session: session, state: state, changes: changes, changed: changed)
        }
        await session.shutdown()
    }

    private func follow(
        _ followed: [(kind: ReadKind, path: String)], session: KubernetesSession, state: SharedCollections,
        changes: AsyncStream<Void>, changed: AsyncStream<Void>.Continuation
    ) async {
        await withDiscardingTaskGroup { group in
            for (kind, path) in followed {
                group.addTask {
                    await CollectionFollower(client: session.client, collection: path).run { event in
                        switch event {
                        case .listed(let store), .changed(let store, _):
                            state.state.withLock {
                                $0.objects[path] = Array(store.objects.values)
                                $0.ready.insert(path)
                            }
                            changed.yield()
                        case .failed(.status(let code, _)) where code == 404 || code == 403:
                            // Not there (a CRD not installed) or not allowed (RBAC): read as none, so
                            // the rest is served, and asked for again as the follower retries.
                            let first = state.state.withLock { $0.ready.insert(path).inserted }
                            if first {
                                if code == 404 {
                                    logger.notice("the API server does not serve \(kind.kind) (its CustomResourceDefinition is not installed?): read as none", metadata: ["collection": "\(path)"])
                                } else {
                                    logger.error("not allowed to list \(kind.kind): read as none until the service account may list and watch \(kind.resource)", metadata: ["collection": "\(path)"])
                                }
                                changed.yield()
                            }
                        case .failed(let error):
                            logger.warning("Kubernetes API request failed; retrying", metadata: ["collection": "\(path)", "error": "\(error)"])
                        }
                    }
                }
            }
            group.addTask {
                // Objects unchanged since the last build are replayed, not parsed again.
                let parsed = ParsedFileCache()
                for await _ in changes {
                    let snapshot = state.state.withLock { $0 }
                    guard snapshot.ready.count == followed.count else { continue }
                    watcher.reload {
                        let sources = followed.flatMap { kind, path in KubernetesManifests.sources(kind, objects: snapshot.objects[path] ?? []) }
                        return ConfigurationLoader.load(sources: sources, cache: parsed)
                    }
                }
            }
        }
    }
}
