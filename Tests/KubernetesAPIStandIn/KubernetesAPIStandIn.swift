import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// A stand-in for the Kubernetes API server, for tests: no API server can run on these
/// machines. It is written from the Kubernetes API concepts document ("Efficient detection of
/// changes", "Retrieving large results sets in chunks", "Resource versions"), not from
/// Meridian's client, and rejects what a real server rejects:
///
/// * `GET` of a collection lists it (`limit`, `continue`; a `continue` token from before the
///   last compaction is 410 Gone, reason `Expired`); items carry `metadata.resourceVersion`,
///   the list its own.
/// * `?watch=1` streams JSON lines `{"type": …, "object": …}` for changes after
///   `resourceVersion`: ADDED, MODIFIED, DELETED, BOOKMARK (with `allowWatchBookmarks`, when
///   `bookmark()` is called), and ERROR with a 410 Status for a version older than the last
///   compaction. `timeoutSeconds` ends the stream normally.
/// * Every request needs `Authorization: Bearer <token>` (401 otherwise).
///
/// Objects are changed by the test through `create`, `update` and `delete`; each change gets
/// the next resource version (a counter, which clients must treat as opaque). `compact()`
/// forgets the history, as etcd does after a few minutes; `dropWatches()` cuts every open
/// watch connection mid-stream.
public final class KubernetesAPIStandIn: Sendable {
    /// One stored object: its JSON (keys sorted) and where it lives.
    struct Stored: Sendable {
        var collection: String
        var key: String
        var json: [String: StandInJSON]
    }

    struct Change: Sendable {
        var version: Int
        /// The collection without a namespace (`/api/v1/services`) and the object's namespace.
        var collection: String
        var namespace: String?
        var type: String
        var object: [String: StandInJSON]
    }

    struct State: Sendable {
        var version = 100
        var compactedBefore = 0
        /// Collection path without a namespace → key (`namespace/name`) → object: a namespaced
        /// path reads the objects of its namespace, the path without one every namespace's.
        var objects: [String: [String: [String: StandInJSON]]] = [:]
        var history: [Change] = []
        var watchers: [Int: AsyncStream<WatchSignal>.Continuation] = [:]
        var nextWatcher = 0
        var requests: [String] = []
        /// Collections (without a namespace) the token may not read: 403, as RBAC answers.
        var forbidden: Set<String> = []
        /// Clients authenticate with certificates (checked in the handshake), not tokens.
        var clientCertificates = false
    }

    enum WatchSignal: Sendable {
        case changed
        case bookmark
        case drop
    }

    private let state = Mutex(State())
    public let token: String

    public init(token: String = "stand-in-token") {
        self.token = token
    }

    /// Every request line received (method and URI), in order.
    public var requests: [String] { state.withLock { $0.requests } }

    /// The newest resource version.
    public var resourceVersion: String { state.withLock { String($0.version) } }

    // MARK: Changes made by the test

    /// Creates or replaces an object of `collection` (for example `/api/v1/namespaces/ns/services`)
    /// from its JSON; returns its new resource version.
    @discardableResult
    public func put(_ collection: String, json: String) throws -> String {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw StandInError.notAnObject
        }
        var tree = try StandInJSON.object(from: object)
        guard let key = Self.key(of: tree) else { throw StandInError.noName }
        let (base, namespace) = Self.split(collection)
        return notifying {
            $0.version += 1
            let existing = $0.objects[base]?[key]
            let existed = existing != nil
            Self.setGeneration(&tree, after: existing)
            Self.setResourceVersion(&tree, $0.version)
            $0.objects[base, default: [:]][key] = tree
            $0.history.append(Change(version: $0.version, collection: base, namespace: namespace, type: existed ? "MODIFIED" : "ADDED", object: tree))
            return String($0.version)
        }
    }

    /// Deletes an object; returns the deletion's resource version (nil when it did not exist).
    @discardableResult
    public func delete(_ collection: String, key: String) -> String? {
        let (base, namespace) = Self.split(collection)
        return notifying {
            guard var tree = $0.objects[base]?.removeValue(forKey: key) else { return nil }
            $0.version += 1
            Self.setResourceVersion(&tree, $0.version)
            $0.history.append(Change(version: $0.version, collection: base, namespace: namespace, type: "DELETED", object: tree))
            return String($0.version)
        }
    }

    /// Answers 403 Forbidden for `collection` (its path without a namespace), as the API
    /// server does for a service account whose RBAC does not allow it.
    public func forbid(_ collection: String) {
        state.withLock { _ = $0.forbidden.insert(collection) }
    }

    /// Forgets every change up to now: a watch or a `continue` token from before is 410 Gone.
    public func compact() {
        state.withLock {
            $0.compactedBefore = $0.version + 1
            $0.history.removeAll()
        }
    }

    /// Sends a BOOKMARK (the newest version) on every watch that asked for bookmarks.
    public func bookmark() { signal(.bookmark) }

    /// Cuts every open watch connection without ending its stream properly.
    public func dropWatches() { signal(.drop) }

    private func notifying<Result>(_ body: (inout State) -> Result) -> Result {
        let (result, watchers) = state.withLock { state in (body(&state), Array(state.watchers.values)) }
        for watcher in watchers { watcher.yield(.changed) }
        return result
    }

    private func signal(_ signal: WatchSignal) {
        for watcher in state.withLock({ Array($0.watchers.values) }) { watcher.yield(signal) }
    }

    /// `/api/v1/namespaces/ns/services` → (`/api/v1/services`, `ns`); a path without a
    /// namespace is itself.
    static func split(_ path: String) -> (base: String, namespace: String?) {
        Path(path).map { ($0.base, $0.namespace) } ?? (path, nil)
    }

    static func namespace(of tree: [String: StandInJSON]) -> String? {
        guard case .object(let metadata)? = tree["metadata"], case .string(let namespace)? = metadata["namespace"] else { return nil }
        return namespace
    }

    static func key(of tree: [String: StandInJSON]) -> String? {
        guard case .object(let metadata)? = tree["metadata"], case .string(let name)? = metadata["name"] else { return nil }
        if case .string(let namespace)? = metadata["namespace"] { return "\(namespace)/\(name)" }
        return name
    }

    static func setResourceVersion(_ tree: inout [String: StandInJSON], _ version: Int) {
        guard case .object(var metadata)? = tree["metadata"] else { return }
        metadata["resourceVersion"] = .string(String(version))
        tree["metadata"] = .object(metadata)
    }

    /// `metadata.generation`, as the API server keeps it for kinds with a status subresource:
    /// 1 when created, one more each time anything but `metadata` and `status` changes.
    static func setGeneration(_ tree: inout [String: StandInJSON], after existing: [String: StandInJSON]?) {
        guard case .object(var metadata)? = tree["metadata"] else { return }
        var generation = 1
        if let existing, case .object(let old)? = existing["metadata"], case .number(let before)? = old["generation"] {
            let spec = { (object: [String: StandInJSON]) in object.filter { $0.key != "metadata" && $0.key != "status" } }
            generation = Int(before) + (spec(existing) == spec(tree) ? 0 : 1)
        }
        metadata["generation"] = .number(Double(generation))
        tree["metadata"] = .object(metadata)
    }

    /// A request path, by the API's URL scheme: `/api/v1` or `/apis/GROUP/VERSION`, then
    /// `[namespaces/NS/]RESOURCE[/NAME[/status]]`.
    struct Path {
        /// The collection without a namespace (`/apis/coordination.k8s.io/v1/leases`).
        var base: String
        var namespace: String?
        var name: String?
        var isStatus = false

        /// The key of the object named, as objects are stored.
        var key: String? { name.map { name in namespace.map { "\($0)/\(name)" } ?? name } }

        init?(_ path: String) {
            let parts = path.split(separator: "/").map(String.init)
            let prefix = parts.first == "api" ? 2 : 3
            guard parts.count > prefix else { return nil }
            var rest = Array(parts[prefix...])
            if rest.count >= 3, rest[0] == "namespaces", !(rest.count == 3 && rest[2] == "status") {
                namespace = rest[1]
                rest.removeFirst(2)
            }
            guard (1...3).contains(rest.count) else { return nil }
            base = "/" + (parts[..<prefix] + [rest[0]]).joined(separator: "/")
            if rest.count >= 2 { name = rest[1] }
            if rest.count == 3 {
                guard rest[2] == "status" else { return nil }
                isStatus = true
            }
        }
    }

    public enum StandInError: Error {
        case notAnObject, noName, notStarted
    }

    // MARK: Serving

    /// Serves in a new task; returns the port once bound, and the task (cancel it to stop).
    /// With `clientCA`, a client must present a certificate that CA issued (the API server's
    /// `--client-ca-file`), which then authenticates it without a token.
    public func start(tls: (certificatePEM: String, privateKeyPEM: String)? = nil, clientCA: String? = nil) async throws -> (port: Int, server: Task<Void, any Error>) {
        let (ports, bound) = AsyncStream<Int>.makeStream()
        let server = Task { try await run(tls: tls, clientCA: clientCA) { port in bound.yield(port) } }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            server.cancel()
            throw StandInError.notStarted
        }
        return (port, server)
    }

    /// Serves on 127.0.0.1 until the task running it is cancelled; `onBound` gets the port.
    /// With `tls` (a PEM certificate and key), over HTTPS only, as a real API server is.
    public func run(tls: (certificatePEM: String, privateKeyPEM: String)? = nil, clientCA: String? = nil, onBound: @escaping @Sendable (Int) async -> Void) async throws {
        if clientCA != nil { state.withLock { $0.clientCertificates = true } }
        let router = Router()
        router.get("**") { request, _ -> Response in
            try await self.respond(to: request)
        }
        router.put("**") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 16 << 20)
            return self.write(request, body: Array(body.readableBytesView))
        }
        router.post("**") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 16 << 20)
            return self.write(request, body: Array(body.readableBytesView))
        }
        var logger = Logger(label: "kubernetes-api-stand-in")
        logger.logLevel = .critical
        let configuration = ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: "kube-apiserver-stand-in")
        if let tls {
            var tlsConfiguration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(tls.certificatePEM.utf8)).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(tls.privateKeyPEM.utf8), format: .pem))
            )
            if let clientCA {
                // The handshake fails without a certificate this CA issued.
                tlsConfiguration.certificateVerification = .noHostnameVerification
                tlsConfiguration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(clientCA.utf8)))
            }
            let application = Application(
                router: router, server: try .tls(.http1(), tlsConfiguration: tlsConfiguration), configuration: configuration,
                onServerRunning: { channel in await onBound(channel.localAddress?.port ?? 0) }, logger: logger
            )
            try await application.runService()
        } else {
            let application = Application(
                router: router, configuration: configuration,
                onServerRunning: { channel in await onBound(channel.localAddress?.port ?? 0) }, logger: logger
            )
            try await application.runService()
        }
    }

    /// The bearer token, or a client certificate the TLS handshake verified.
    private func authenticated(_ request: Request) -> Bool {
        state.withLock { $0.clientCertificates } || request.headers[.authorization] == "Bearer \(token)"
    }

    private func respond(to request: Request) async throws -> Response {
        state.withLock { $0.requests.append("GET \(request.uri)") }
        guard authenticated(request) else {
            return Self.status(401, reason: "Unauthorized", message: "Unauthorized")
        }
        let collection = request.uri.path
        let query = request.uri.queryParameters
        if state.withLock({ $0.forbidden.contains(Self.split(collection).base) }) {
            return Self.status(403, reason: "Forbidden", message: "\(collection) is forbidden: the user cannot list this resource")
        }
        if let path = Path(collection), let key = path.key, !path.isStatus {
            return objectResponse(state.withLock { $0.objects[path.base]?[key] }, notFound: key)
        }
        if query.get("watch") == "1" || query.get("watch") == "true" {
            return watch(collection, from: query.get("resourceVersion"), bookmarks: query.get("allowWatchBookmarks") == "true",
                         timeout: query.get("timeoutSeconds").flatMap(Int.init))
        }
        return list(collection, limit: query.get("limit").flatMap(Int.init), continue: query.get("continue"))
    }

    /// Writes, as the API server takes them:
    ///
    /// * `POST <collection>` creates (201); a name in use is 409 AlreadyExists. The new object
    ///   gets `metadata.generation` 1, and the namespace of the path.
    /// * `PUT <collection>/<name>` replaces the object but its `status`; `PUT …/status` (the
    ///   status subresource) replaces only `status` (a change to anything else is ignored).
    ///   Both need the body's `metadata.resourceVersion` to be the object's current one: a
    ///   stale one is 409 Conflict (optimistic concurrency), a missing object 404.
    private func write(_ request: Request, body: [UInt8]) -> Response {
        state.withLock { $0.requests.append("\(request.method) \(request.uri)") }
        guard authenticated(request) else {
            return Self.status(401, reason: "Unauthorized", message: "Unauthorized")
        }
        guard let path = Path(request.uri.path), (request.method == .post) == (path.name == nil) else {
            return Self.status(405, reason: "MethodNotAllowed", message: "\(request.method) is not allowed on \(request.uri.path)")
        }
        if state.withLock({ $0.forbidden.contains(path.base) }) {
            return Self.status(403, reason: "Forbidden", message: "\(request.uri.path) is forbidden")
        }
        guard let any = try? JSONSerialization.jsonObject(with: Data(body)), let dictionary = any as? [String: Any],
              var sent = try? StandInJSON.object(from: dictionary), case .object(var sentMetadata)? = sent["metadata"] else {
            return Self.status(400, reason: "BadRequest", message: "the body is not a JSON object with metadata")
        }
        if let namespace = path.namespace { sentMetadata["namespace"] = .string(namespace) }
        if let name = path.name {
            guard sentMetadata["name"] == nil || sentMetadata["name"] == .string(name) else {
                return Self.status(400, reason: "BadRequest", message: "the name of the object (\(sentMetadata["name"].map { "\($0)" } ?? "")) does not match the name on the URL (\(name))")
            }
            sentMetadata["name"] = .string(name)
        }
        sent["metadata"] = .object(sentMetadata)
        guard let key = Self.key(of: sent) else {
            return Self.status(422, reason: "Invalid", message: "metadata.name: Required value: name or generateName is required")
        }
        let outcome: Result<[String: StandInJSON], StandInFailure> = notifying { state in
            let existing = state.objects[path.base]?[key]
            var stored: [String: StandInJSON]
            if path.name == nil {
                guard existing == nil else {
                    return .failure(StandInFailure(code: 409, reason: "AlreadyExists", message: "\(key) already exists"))
                }
                stored = sent
                stored["status"] = nil
            } else {
                guard let existing else {
                    return .failure(StandInFailure(code: 404, reason: "NotFound", message: "\(key) not found"))
                }
                guard case .string(let version)? = sentMetadata["resourceVersion"] else {
                    return .failure(StandInFailure(code: 422, reason: "Invalid", message: "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update"))
                }
                guard case .object(let storedMetadata)? = existing["metadata"], case .string(version)? = storedMetadata["resourceVersion"] else {
                    return .failure(StandInFailure(code: 409, reason: "Conflict", message: "Operation cannot be fulfilled on \(key): the object has been modified; please apply your changes to the latest version and try again"))
                }
                if path.isStatus {
                    stored = existing
                    stored["status"] = sent["status"]
                } else {
                    stored = sent
                    stored["status"] = existing["status"]
                }
            }
            Self.setGeneration(&stored, after: existing)
            state.version += 1
            Self.setResourceVersion(&stored, state.version)
            state.objects[path.base, default: [:]][key] = stored
            state.history.append(Change(version: state.version, collection: path.base, namespace: Self.namespace(of: stored),
                                        type: existing == nil ? "ADDED" : "MODIFIED", object: stored))
            return .success(stored)
        }
        switch outcome {
        case .success(let stored):
            return Response(status: path.name == nil ? .created : .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: StandInJSON.object(stored).json())))
        case .failure(let failure):
            return Self.status(failure.code, reason: failure.reason, message: failure.message)
        }
    }

    private func objectResponse(_ object: [String: StandInJSON]?, notFound key: String) -> Response {
        guard let object else { return Self.status(404, reason: "NotFound", message: "\(key) not found") }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: StandInJSON.object(object).json())))
    }

    /// The stored object (its JSON), for tests to read what was written.
    public func object(_ collection: String, key: String) -> String? {
        let base = Self.split(collection).base
        return state.withLock { $0.objects[base]?[key] }.map { String(decoding: StandInJSON.object($0).json(), as: UTF8.self) }
    }

    struct StandInFailure: Error {
        var code: Int
        var reason: String
        var message: String
    }

    /// A `continue` token: the list's version and the last key returned.
    private func list(_ collection: String, limit: Int?, continue token: String?) -> Response {
        let (base, namespace) = Self.split(collection)
        let (listVersion, items, compactedBefore): (Int, [(String, [String: StandInJSON])], Int) = state.withLock { state in
            (state.version, (state.objects[base] ?? [:]).filter { namespace == nil || Self.namespace(of: $0.value) == namespace }
                .sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, state.compactedBefore)
        }
        var version = listVersion
        var after: String?
        if let token, !token.isEmpty {
            let parts = token.split(separator: "|", maxSplits: 1).map(String.init)
            guard parts.count == 2, let tokenVersion = Int(parts[0]) else {
                return Self.status(400, reason: "BadRequest", message: "invalid continue token")
            }
            // A real server serves every page of a list from one snapshot, and expires the
            // token once that snapshot is compacted away. The stand-in keeps no old snapshots:
            // it serves the current objects after the key, and expires on compaction.
            guard tokenVersion >= compactedBefore else {
                return Self.status(410, reason: "Expired", message: "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
            }
            version = tokenVersion
            after = parts[1]
        }
        var page = items.filter { after == nil || $0.0 > after! }
        var next: String?
        if let limit, limit > 0, page.count > limit {
            page = Array(page.prefix(limit))
            next = "\(version)|\(page.last!.0)"
        }
        var metadata: [String: StandInJSON] = ["resourceVersion": .string(String(version))]
        if let next { metadata["continue"] = .string(next) }
        let body: StandInJSON = .object(["kind": .string("List"), "apiVersion": .string("v1"), "metadata": .object(metadata), "items": .array(page.map { .object($0.1) })])
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.json())))
    }

    private func watch(_ collection: String, from resourceVersion: String?, bookmarks: Bool, timeout: Int?) -> Response {
        let (base, namespace) = Self.split(collection)
        let (signals, continuation) = AsyncStream<WatchSignal>.makeStream(bufferingPolicy: .unbounded)
        let id = state.withLock { state -> Int in
            state.nextWatcher += 1
            state.watchers[state.nextWatcher] = continuation
            return state.nextWatcher
        }
        continuation.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) } }
        let start = Int(resourceVersion ?? "") ?? 0
        let body = ResponseBody { writer in
            var sent = start
            defer { continuation.finish() }
            // Too old: one ERROR event with a 410 Status, then the end of the stream.
            let compactedBefore = self.state.withLock { $0.compactedBefore }
            if start != 0, start < compactedBefore - 1 {
                let status = Self.statusTree(410, reason: "Expired", message: "too old resource version: \(start) (\(compactedBefore - 1))")
                try await writer.write(ByteBuffer(bytes: Self.event("ERROR", status)))
                try await writer.finish(nil)
                return
            }
            let deadline = timeout.map { ContinuousClock.now + .seconds($0) }
            let ticker = Task {
                // Wakes the stream at its deadline.
                if let deadline { try? await Task.sleep(until: deadline); continuation.yield(.changed) }
            }
            defer { ticker.cancel() }
            var pending: WatchSignal? = .changed
            var iterator = signals.makeAsyncIterator()
            while true {
                if let deadline, ContinuousClock.now >= deadline { break }
                switch pending {
                case .drop?:
                    throw CancellationError()
                case .bookmark?:
                    if bookmarks {
                        let version = self.state.withLock { $0.version }
                        let object: StandInJSON = .object(["kind": .string("Bookmark"), "metadata": .object(["resourceVersion": .string(String(version))])])
                        try await writer.write(ByteBuffer(bytes: Self.event("BOOKMARK", object)))
                        sent = max(sent, version)
                    }
                case .changed?, nil:
                    let changes = self.state.withLock { state in
                        state.history.filter { $0.collection == base && (namespace == nil || $0.namespace == namespace) && $0.version > sent }
                    }
                    for change in changes {
                        try await writer.write(ByteBuffer(bytes: Self.event(change.type, .object(change.object))))
                        sent = change.version
                    }
                }
                guard let signal = await iterator.next() else { break }
                pending = signal
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
    }

    static func event(_ type: String, _ object: StandInJSON) -> [UInt8] {
        StandInJSON.object(["type": .string(type), "object": object]).json() + [UInt8(ascii: "\n")]
    }

    static func statusTree(_ code: Int, reason: String, message: String) -> StandInJSON {
        .object(["kind": .string("Status"), "apiVersion": .string("v1"), "status": .string("Failure"), "message": .string(message), "reason": .string(reason), "code": .number(Double(code))])
    }

    static func status(_ code: Int, reason: String, message: String) -> Response {
        Response(status: .init(code: code), headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: statusTree(code, reason: reason, message: message).json())))
    }
}
