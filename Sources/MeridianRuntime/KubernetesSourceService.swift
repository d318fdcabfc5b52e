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
///
/// With `status`, the replica takes part in leader election on a Lease, and while it leads
/// writes each build's status back (`KubernetesStatusWriter`).
public struct KubernetesSourceService: ServiceLifecycle.Service {
    let connection: KubernetesConnection
    /// Namespaces to read namespaced kinds from; empty: every namespace.
    let namespaces: [String]
    let watcher: ConfigurationWatcher
    let status: KubernetesStatusSettings?
    let logger: Logger

    public init(connection: KubernetesConnection, namespaces: [String], watcher: ConfigurationWatcher, status: KubernetesStatusSettings? = nil, logger: Logger) {
        self.connection = connection
        self.namespaces = namespaces
        self.watcher = watcher
        self.status = status
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
        /// Collection path → key → object.
        var objects: [String: [String: KubernetesObject]] = [:]
        var ready: Set<String> = []
        /// The status of the last build served, and whether this replica leads.
        var desiredStatus: [StatusWrites.Target: [UInt8]]?
        var leading = false
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
        let (wakes, wake) = AsyncStream<KubernetesStatusWriter.Wake>.makeStream(bufferingPolicy: .bufferingNewest(1))
        logger.info("following the Kubernetes API", metadata: ["server": "\(connection.server)", "collections": "\(followed.count)"])
        // Until the service group shuts down (SIGTERM, SIGINT): then every follower stops, and
        // a leader gives up its Lease.
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    await follow(followed, session: session, state: state, changes: changes, changed: changed, wake: wake)
                }
                if let status {
                    group.addTask { await writeStatus(status, session: session, state: state, followed: followed, wakes: wakes, wake: wake) }
                }
            }
        }
        await session.shutdown()
    }

    /// Leader election, and status writes while leading.
    private func writeStatus(
        _ settings: KubernetesStatusSettings, session: KubernetesSession, state: SharedCollections,
        followed: [(kind: ReadKind, path: String)], wakes: AsyncStream<KubernetesStatusWriter.Wake>,
        wake: AsyncStream<KubernetesStatusWriter.Wake>.Continuation
    ) async {
        let paths = Dictionary(grouping: followed, by: \.kind.kind).mapValues { $0.map(\.path) }
        let writer = KubernetesStatusWriter(client: session.client, controllerNames: settings.controllerNames,
                                            writesPerSecond: settings.writesPerSecond, logger: logger)
        let elector = LeaderElector(client: session.client, namespace: settings.leaseNamespace, name: settings.leaseName,
                                    identity: settings.identity, leaseDuration: settings.leaseDuration, logger: logger)
        await withDiscardingTaskGroup { group in
            group.addTask {
                await elector.run { leading in
                    state.state.withLock { $0.leading = leading }
                    wake.yield(.changed)
                }
                wake.finish()
            }
            group.addTask {
                // Writes that failed, or whose version the watch never moved past, are tried again.
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(5))
                    wake.yield(.retry)
                }
            }
            group.addTask {
                await writer.run(wakes: wakes, latest: { state.state.withLock { $0.desiredStatus } }, current: { target in
                    state.state.withLock { collections in
                        paths[target.kind]?.compactMap { collections.objects[$0]?[target.key] }.first
                    }
                }, leading: { state.state.withLock { $0.leading } })
            }
        }
    }

    private func follow(
        _ followed: [(kind: ReadKind, path: String)], session: KubernetesSession, state: SharedCollections,
        changes: AsyncStream<Void>, changed: AsyncStream<Void>.Continuation, wake: AsyncStream<KubernetesStatusWriter.Wake>.Continuation
    ) async {
        await withDiscardingTaskGroup { group in
            for (kind, path) in followed {
                group.addTask {
                    await CollectionFollower(client: session.client, collection: path).run { event in
                        switch event {
                        case .listed(let store), .changed(let store, _):
                            state.state.withLock {
                                $0.objects[path] = store.objects
                                $0.ready.insert(path)
                            }
                            changed.yield()
                            wake.yield(.changed)
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
                var loaded: [ManifestSource]?
                for await _ in changes {
                    let snapshot = state.state.withLock { $0 }
                    guard snapshot.ready.count == followed.count else { continue }
                    let sources = followed.flatMap { kind, path in
                        KubernetesManifests.sources(kind, objects: Array((snapshot.objects[path] ?? [:]).values))
                    }
                    // Only status or versions changed (a status write, ours or another
                    // controller's): the same manifests, nothing to build.
                    guard sources != loaded else { continue }
                    loaded = sources
                    let served = watcher.reload { ConfigurationLoader.load(sources: sources, cache: parsed) }
                    if let status, served, let build = watcher.servedBuild {
                        let desired = KubernetesStatusWriter.desired(build, controllerNames: status.controllerNames)
                        state.state.withLock { $0.desiredStatus = desired }
                        wake.yield(.changed)
                    }
                }
            }
        }
    }
}

/// Status write-back and the leader election that decides which replica writes.
public struct KubernetesStatusSettings: Sendable {
    /// GatewayClass controllers whose status Meridian writes.
    public var controllerNames: Set<String>
    /// The Lease: namespace, name, this replica's identity, and how long it holds.
    public var leaseNamespace: String
    public var leaseName: String
    public var identity: String
    public var leaseDuration: Duration
    /// Status writes per second at most (all objects together).
    public var writesPerSecond: Double

    public init(controllerNames: Set<String>, leaseNamespace: String, leaseName: String = "meridian-status", identity: String,
                leaseDuration: Duration = .seconds(15), writesPerSecond: Double = 20) {
        self.controllerNames = controllerNames
        self.leaseNamespace = leaseNamespace
        self.leaseName = leaseName
        self.identity = identity
        self.leaseDuration = leaseDuration
        self.writesPerSecond = writesPerSecond
    }
}
