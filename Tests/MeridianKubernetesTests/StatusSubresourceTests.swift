import Foundation
import KubernetesAPIStandIn
import MeridianKubernetes
import Testing

/// The status subresource as status write-back will use it, against the stand-in: a write
/// with the current resourceVersion replaces the status only and moves the version on (and
/// the watch sees it); a stale resourceVersion is 409 Conflict, as the API server's
/// optimistic concurrency has it.
@Suite("Kubernetes status subresource", .timeLimit(.minutes(1)))
struct StatusSubresourceTests {
    static let routes = "/apis/gateway.networking.k8s.io/v1/namespaces/ns/httproutes"

    static func route(version: String?, status: String, path: String = "/", name: String = "r") -> [UInt8] {
        let metadata = version.map { #""resourceVersion": "\#($0)", "# } ?? ""
        return Array(#"{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {\#(metadata)"name": "\#(name)", "namespace": "ns"}, "spec": {"rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "\#(path)"}}]}]}, "status": \#(status)}"#.utf8)
    }

    static func tree(_ object: KubernetesObject) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(object.json)) as? [String: Any])
    }

    @Test("a write with the current version replaces the status, and only the status; a stale one is 409")
    func optimisticConcurrency() async throws {
        let standIn = KubernetesAPIStandIn()
        let created = try standIn.put(Self.routes, json: String(decoding: Self.route(version: nil, status: "{}"), as: UTF8.self))
        let (port, server) = try await standIn.start()
        defer { server.cancel() }
        let session = try KubernetesSession(connection: KubernetesConnection(server: "http://127.0.0.1:\(port)", token: standIn.token))
        let status = #"{"parents": [{"parentRef": {"name": "gw"}, "controllerName": "meridian.dev/gateway-controller", "conditions": [{"type": "Accepted", "status": "True"}]}]}"#
        // The spec in the body differs: the status subresource ignores it.
        let stored = try await session.client.replaceStatus(Self.routes, name: "r", object: Self.route(version: created, status: status, path: "/changed"))
        #expect(stored.resourceVersion != created)
        let tree = try Self.tree(stored)
        #expect(((tree["status"] as? [String: Any])?["parents"] as? [Any])?.count == 1)
        let rules = (tree["spec"] as? [String: Any])?["rules"] as? [[String: Any]]
        let path = ((rules?.first?["matches"] as? [[String: Any]])?.first?["path"] as? [String: Any])?["value"] as? String
        #expect(path == "/", "the spec is not written through /status")

        // The same write again, from the version read before: someone else's write came between.
        do {
            _ = try await session.client.replaceStatus(Self.routes, name: "r", object: Self.route(version: created, status: "{}"))
            Issue.record("a stale resourceVersion was accepted")
        } catch {
            guard case .status(409, _) = error else { Issue.record("\(error)"); return }
        }
        // An object that does not exist is 404.
        do {
            _ = try await session.client.replaceStatus(Self.routes, name: "missing", object: Self.route(version: stored.resourceVersion, status: "{}", name: "missing"))
            Issue.record("a missing object was written")
        } catch {
            guard case .status(404, _) = error else { Issue.record("\(error)"); return }
        }
        // The list shows the written status at the new version.
        let page = try await session.client.list(Self.routes, limit: 10, continue: nil)
        #expect(page.items.first?.resourceVersion == stored.resourceVersion)
        await session.shutdown()
    }
}
