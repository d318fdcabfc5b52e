import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One object as the API server sent it: where it lives, its version, and its JSON (keys
/// sorted, so equal objects have equal bytes).
public struct KubernetesObject: Sendable, Hashable {
    /// `namespace/name`, or `name` for a cluster-scoped kind.
    public var key: String
    public var resourceVersion: String
    public var json: [UInt8]

    public init(key: String, resourceVersion: String, json: [UInt8]) {
        self.key = key
        self.resourceVersion = resourceVersion
        self.json = json
    }
}

/// Why a request to the API server failed.
public enum KubernetesAPIError: Error, Sendable, Equatable {
    /// An HTTP status other than 200, with the Status object's message when there was one.
    case status(Int, message: String)
    /// No answer: the connection failed or was cut.
    case connection(String)
    /// An answer that is not what the API sends.
    case malformed(String)
}

/// Reads collections from the Kubernetes API server: list pages and watch streams, over
/// AsyncHTTPClient. Paths are collection paths (`/api/v1/namespaces/ns/services`,
/// `/apis/gateway.networking.k8s.io/v1/httproutes`).
public struct KubernetesAPIClient: Sendable {
    public var baseURL: String
    /// Bearer token (a service account's, or from a kubeconfig).
    public var token: String?
    let http: HTTPClient

    public init(baseURL: String, token: String?, http: HTTPClient) {
        self.baseURL = baseURL
        self.token = token
        self.http = http
    }

    /// One page of a list.
    public func list(_ collection: String, limit: Int, continue token: String?) async throws(KubernetesAPIError) -> (items: [KubernetesObject], resourceVersion: String, continue: String?) {
        var query = "limit=\(limit)"
        if let token, !token.isEmpty { query += "&continue=\(Self.escaped(token))" }
        // A page holds at most `limit` objects; 64 MiB bounds what a misbehaving server can send.
        let body = try await send(request("\(collection)?\(query)"), upTo: 64 << 20)
        guard let list = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
              let metadata = list["metadata"] as? [String: Any], let items = list["items"] as? [Any] else {
            throw .malformed("a list without metadata or items")
        }
        var objects: [KubernetesObject] = []
        for item in items {
            guard let object = item as? [String: Any], let parsed = Self.object(object) else { throw .malformed("a list item without metadata.name") }
            objects.append(parsed)
        }
        return (objects, metadata["resourceVersion"] as? String ?? "", metadata["continue"] as? String)
    }

    /// One event of a watch stream.
    public struct Event: Sendable {
        public var type: String
        public var object: KubernetesObject?
        /// For an ERROR event: the Status object's `code`.
        public var errorCode: Int?
    }

    /// Watches `collection` from `resourceVersion`, with bookmarks, until the server ends the
    /// stream (after about `timeoutSeconds`); `onEvent` gets each event in order.
    public func watch(_ collection: String, from resourceVersion: String, timeoutSeconds: Int, onEvent: (Event) async -> Void) async throws(KubernetesAPIError) {
        let request = request("\(collection)?watch=1&allowWatchBookmarks=true&resourceVersion=\(Self.escaped(resourceVersion))&timeoutSeconds=\(timeoutSeconds)")
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .seconds(Int64(timeoutSeconds) + 30))
        } catch {
            throw .connection("\(error)")
        }
        guard response.status == .ok else {
            let body = (try? await response.body.collect(upTo: 1 << 20)).map { Array($0.readableBytesView) } ?? []
            throw .status(Int(response.status.code), message: Self.statusMessage(body))
        }
        var pending: [UInt8] = []
        do {
            for try await buffer in response.body {
                pending += buffer.readableBytesView
                // A line is one event; a server may split or join them across chunks.
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = Array(pending[..<newline])
                    pending.removeSubrange(...newline)
                    if line.isEmpty { continue }
                    await onEvent(try Self.event(line))
                }
                guard pending.count <= 16 << 20 else { throw KubernetesAPIError.malformed("a watch event over 16 MiB") }
            }
        } catch let error as KubernetesAPIError {
            throw error
        } catch {
            throw .connection("\(error)")
        }
    }

    /// Replaces the status of the object `name` of `collection` (`PUT …/name/status`) with the
    /// one in `object`, whose `metadata.resourceVersion` must be the server's current one
    /// (else 409 Conflict: read it again and retry). Returns the object as stored.
    public func replaceStatus(_ collection: String, name: String, object: [UInt8]) async throws(KubernetesAPIError) -> KubernetesObject {
        try await write(.PUT, "\(collection)/\(Self.escaped(name))/status", object: object)
    }

    /// Replaces the object `name` of `collection` (`PUT`), with the same precondition on
    /// `metadata.resourceVersion` (409 when stale).
    public func replace(_ collection: String, name: String, object: [UInt8]) async throws(KubernetesAPIError) -> KubernetesObject {
        try await write(.PUT, "\(collection)/\(Self.escaped(name))", object: object)
    }

    /// Creates an object in `collection` (`POST`); 409 when one of that name exists.
    public func create(_ collection: String, object: [UInt8]) async throws(KubernetesAPIError) -> KubernetesObject {
        try await write(.POST, collection, object: object)
    }

    /// Reads the object `name` of `collection` (404 when there is none).
    public func get(_ collection: String, name: String) async throws(KubernetesAPIError) -> KubernetesObject {
        let body = try await send(request("\(collection)/\(Self.escaped(name))"), upTo: 16 << 20)
        return try Self.stored(body)
    }

    private func write(_ method: HTTPMethod, _ path: String, object: [UInt8]) async throws(KubernetesAPIError) -> KubernetesObject {
        var request = request(path)
        request.method = method
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(object)
        return try Self.stored(try await send(request, upTo: 16 << 20))
    }

    static func stored(_ body: [UInt8]) throws(KubernetesAPIError) -> KubernetesObject {
        guard let tree = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any], let stored = object(tree) else {
            throw .malformed("an answer without the object")
        }
        return stored
    }

    /// A request to `pathAndQuery` on the API server, with the bearer token.
    private func request(_ pathAndQuery: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: "\(baseURL)\(pathAndQuery)")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        return request
    }

    /// Sends `request` and returns the body of a 200 or 201 answer (at most `limit` bytes).
    private func send(_ request: HTTPClientRequest, upTo limit: Int) async throws(KubernetesAPIError) -> [UInt8] {
        let body: [UInt8]
        let status: Int
        do {
            let response = try await http.execute(request, timeout: .seconds(60))
            status = Int(response.status.code)
            body = Array(try await response.body.collect(upTo: limit).readableBytesView)
        } catch {
            throw .connection("\(error)")
        }
        guard status == 200 || status == 201 else { throw .status(status, message: Self.statusMessage(body)) }
        return body
    }

    static func event(_ line: [UInt8]) throws(KubernetesAPIError) -> Event {
        guard let event = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any], let type = event["type"] as? String,
              let object = event["object"] as? [String: Any] else {
            throw .malformed("a watch line that is not an event")
        }
        if type == "ERROR" { return Event(type: type, object: nil, errorCode: (object["code"] as? NSNumber)?.intValue) }
        if type == "BOOKMARK" {
            let version = (object["metadata"] as? [String: Any])?["resourceVersion"] as? String ?? ""
            return Event(type: type, object: KubernetesObject(key: "", resourceVersion: version, json: []), errorCode: nil)
        }
        guard let parsed = Self.object(object) else { throw .malformed("a watch event whose object has no metadata.name") }
        return Event(type: type, object: parsed, errorCode: nil)
    }

    static func object(_ object: [String: Any]) -> KubernetesObject? {
        guard let metadata = object["metadata"] as? [String: Any], let name = metadata["name"] as? String,
              let json = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return nil }
        let key = (metadata["namespace"] as? String).map { "\($0)/\(name)" } ?? name
        return KubernetesObject(key: key, resourceVersion: metadata["resourceVersion"] as? String ?? "", json: Array(json))
    }

    static func statusMessage(_ body: [UInt8]) -> String {
        ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any])?["message"] as? String ?? String(decoding: body.prefix(200), as: UTF8.self)
    }

    static func escaped(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? value
    }
}
