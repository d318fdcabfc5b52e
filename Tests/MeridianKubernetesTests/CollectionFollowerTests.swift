import AsyncHTTPClient
import Foundation
import KubernetesAPIStandIn
import MeridianKubernetes
import MeridianTestSupport
import Synchronization
import Testing
import TLSCertificates

/// A collection followed through AsyncHTTPClient from the API server stand-in (loopback): the
/// local copy follows creations, changes and deletions; a watch cut mid-stream resumes from its
/// version; a watch from a compacted version lists again; pages are read in turn; every change
/// is reported exactly once.
@Suite("Kubernetes collections followed from the API server stand-in", .timeLimit(.minutes(1)))
struct CollectionFollowerTests {
    static let services = "/api/v1/namespaces/ns/services"

    static func service(_ name: String, port: Int) -> String {
        #"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "\#(name)", "namespace": "ns"}, "spec": {"ports": [{"port": \#(port)}]}}"#
    }

    /// What the follower reported, in order.
    final class Reports: Sendable {
        let deltas = Mutex<[CollectionFollower.Store.Delta]>([])
        let copy = Mutex<[String: KubernetesObject]>([:])

        func ports() -> [String: Int] {
            copy.withLock { $0 }.compactMapValues { object in
                let tree = try? JSONSerialization.jsonObject(with: Data(object.json)) as? [String: Any]
                return ((tree?["spec"] as? [String: Any])?["ports"] as? [[String: Any]])?.first?["port"] as? Int
            }
        }
    }

    /// Runs `body` with a stand-in serving on loopback (objects first made by `setUp`) and a
    /// follower of `services` reading it.
    static func withFollower(pageSize: Int = 500, backoff: Duration = .milliseconds(20), setUp: (KubernetesAPIStandIn) throws -> Void, _ body: (KubernetesAPIStandIn, Reports, KubernetesAPIClient) async throws -> Void) async throws {
        let standIn = KubernetesAPIStandIn()
        let (port, server) = try await standIn.start()
        defer { server.cancel() }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let client = KubernetesAPIClient(baseURL: "http://127.0.0.1:\(port)", token: standIn.token, http: http)
        let reports = Reports()
        try setUp(standIn)
        let follower = Task {
            await CollectionFollower(client: client, collection: services, pageSize: pageSize, watchTimeoutSeconds: 30, initialBackoff: backoff)
                .run { store, delta in
                    reports.copy.withLock { $0 = store.objects }
                    reports.deltas.withLock { $0.append(delta) }
                }
        }
        do {
            try await body(standIn, reports, client)
        } catch {
            follower.cancel()
            _ = await follower.value
            try await http.shutdown()
            throw error
        }
        follower.cancel()
        _ = await follower.value
        try await http.shutdown()
    }

    /// Waits (bounded) until `condition` holds.
    static func eventually(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw Timeout(what: what) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    struct Timeout: Error, CustomStringConvertible {
        var what: String
        var description: String { "timed out waiting until \(what)" }
    }

    @Test("created, changed and deleted objects reach the copy, each change reported once")
    func follows() async throws {
        try await Self.withFollower(setUp: { standIn in
            try standIn.put(Self.services, json: Self.service("a", port: 80))
            try standIn.put(Self.services, json: Self.service("b", port: 81))
        }) { standIn, reports, _ in
            try await Self.eventually("the list is read") { reports.ports() == ["ns/a": 80, "ns/b": 81] }
            try standIn.put(Self.services, json: Self.service("a", port: 8080))
            standIn.delete(Self.services, key: "ns/b")
            try standIn.put(Self.services, json: Self.service("c", port: 82))
            try await Self.eventually("the watch brings every change") { reports.ports() == ["ns/a": 8080, "ns/c": 82] }
            let deltas = reports.deltas.withLock { $0 }
            #expect(deltas == [
                .init(added: ["ns/a", "ns/b"]), .init(modified: ["ns/a"]), .init(deleted: ["ns/b"]), .init(added: ["ns/c"]),
            ])
        }
    }

    @Test("a watch cut mid-stream resumes from its version: nothing lost, nothing repeated, no new list")
    func resumesAfterDrop() async throws {
        try await Self.withFollower(setUp: { try $0.put(Self.services, json: Self.service("a", port: 80)) }) { standIn, reports, _ in
            try await Self.eventually("the list is read") { reports.ports() == ["ns/a": 80] }
            try await Self.eventually("the watch is open") { standIn.requests.contains { $0.contains("watch=1") } }
            let version = try standIn.put(Self.services, json: Self.service("b", port: 81))
            try await Self.eventually("the first change arrives") { reports.ports()["ns/b"] == 81 }
            standIn.dropWatches()
            try standIn.put(Self.services, json: Self.service("c", port: 82))
            try await Self.eventually("the change made while cut off arrives") { reports.ports()["ns/c"] == 82 }
            let requests = standIn.requests
            #expect(requests.filter { !$0.contains("watch=1") }.count == 1, "listed once: \(requests)")
            #expect(requests.contains { $0.contains("watch=1") && $0.contains("resourceVersion=\(version)") }, "resumed from \(version): \(requests)")
            #expect(reports.deltas.withLock { $0 } == [.init(added: ["ns/a"]), .init(added: ["ns/b"]), .init(added: ["ns/c"])])
        }
    }

    @Test("a watch from a compacted version lists again; the relist reports what changed meanwhile")
    func relistsAfterCompaction() async throws {
        // The follower waits half a second before watching again: long enough for the history
        // to be compacted while it is away.
        try await Self.withFollower(backoff: .milliseconds(500), setUp: { standIn in
            try standIn.put(Self.services, json: Self.service("a", port: 80))
            try standIn.put(Self.services, json: Self.service("b", port: 81))
        }) { standIn, reports, _ in
            try await Self.eventually("the list is read") { reports.ports() == ["ns/a": 80, "ns/b": 81] }
            try await Self.eventually("the watch is open") { standIn.requests.contains { $0.contains("watch=1") } }
            // The watch is cut, history moves on and is compacted before it comes back.
            standIn.dropWatches()
            standIn.delete(Self.services, key: "ns/a")
            try standIn.put(Self.services, json: Self.service("d", port: 83))
            standIn.compact()
            try await Self.eventually("the relist is read") { reports.ports() == ["ns/b": 81, "ns/d": 83] }
            #expect(standIn.requests.filter { !$0.contains("watch=1") }.count >= 2, "listed again: \(standIn.requests)")
            let deltas = reports.deltas.withLock { $0 }
            // One delta from the new list: the deletion missed while away is not lost.
            #expect(deltas == [.init(added: ["ns/a", "ns/b"]), .init(added: ["ns/d"], deleted: ["ns/a"])], "\(deltas)")
        }
    }

    @Test("a list is read page by page with continue tokens")
    func pages() async throws {
        try await Self.withFollower(pageSize: 2, setUp: { standIn in
            for (index, name) in ["a", "b", "c", "d", "e"].enumerated() { try standIn.put(Self.services, json: Self.service(name, port: 80 + index)) }
        }) { standIn, reports, _ in
            try await Self.eventually("every page is read") { reports.ports().count == 5 }
            let lists = standIn.requests.filter { !$0.contains("watch=1") }
            #expect(lists.count == 3, "\(lists)")
            #expect(lists.dropFirst().allSatisfy { $0.contains("continue=") })
            // The copy is replaced once, when the last page arrived.
            #expect(reports.deltas.withLock { $0 } == [.init(added: ["ns/a", "ns/b", "ns/c", "ns/d", "ns/e"])])
        }
    }

    @Test("a continue token from before a compaction is 410 Gone, as from a real API server")
    func expiredContinue() async throws {
        try await Self.withFollower(setUp: { standIn in
            for name in ["a", "b", "c"] { try standIn.put(Self.services, json: Self.service(name, port: 80)) }
        }) { standIn, _, client in
            let first = try await client.list(Self.services, limit: 2, continue: nil)
            #expect(first.items.map(\.key) == ["ns/a", "ns/b"] && first.continue != nil)
            standIn.compact()
            do {
                _ = try await client.list(Self.services, limit: 2, continue: first.continue)
                Issue.record("a continue token from before the compaction was accepted")
            } catch {
                guard case .status(410, _)? = error as? KubernetesAPIError else { Issue.record("\(error)"); return }
            }
        }
    }

    @Test("over TLS: the API server's certificate verified against the kubeconfig's CA, refused without it")
    func tls() async throws {
        let certificate = try TestCertificates.make(["localhost"])
        let standIn = KubernetesAPIStandIn()
        try standIn.put(Self.services, json: Self.service("a", port: 80))
        let (port, server) = try await standIn.start(tls: (certificate.certificatePEM, certificate.privateKeyPEM))
        defer { server.cancel() }
        let kubeconfig = """
        apiVersion: v1
        kind: Config
        current-context: c
        clusters: [{name: s, cluster: {server: "https://localhost:\(port)", certificate-authority-data: \(Data(certificate.certificatePEM.utf8).base64EncodedString())}}]
        users: [{name: u, user: {token: \(standIn.token)}}]
        contexts: [{name: c, context: {cluster: s, user: u}}]

        """
        let trusted = try KubernetesSession(connection: try Kubeconfig.connection(yaml: Array(kubeconfig.utf8), fileName: "kubeconfig", directory: "/"))
        let page = try await trusted.client.list(Self.services, limit: 10, continue: nil)
        #expect(page.items.map(\.key) == ["ns/a"])
        await trusted.shutdown()
        // The system's roots do not know the stand-in's self-signed certificate.
        let untrusted = try KubernetesSession(connection: KubernetesConnection(server: "https://localhost:\(port)", token: standIn.token))
        do {
            _ = try await untrusted.client.list(Self.services, limit: 10, continue: nil)
            Issue.record("a certificate no CA vouches for was accepted")
        } catch {
            guard case .connection = error else { Issue.record("\(error)"); return }
        }
        await untrusted.shutdown()
    }

    @Test("a client certificate from the kubeconfig authenticates; without it the handshake fails")
    func clientCertificate() async throws {
        let now = CertificateInspection.currentTime()
        let serverCertificate = try TestCertificates.make(["localhost"])
        let clientCA = try CertificateGenerator.make(commonName: "kubernetes-client-ca", dnsNames: [], notBefore: now - 60, notAfter: now + 3_600, isCA: true)
        let client = try CertificateGenerator.make(commonName: "system:serviceaccount:meridian:meridian", dnsNames: [], notBefore: now - 60, notAfter: now + 3_600, serial: 2, issuer: clientCA)
        let standIn = KubernetesAPIStandIn()
        try standIn.put(Self.services, json: Self.service("a", port: 80))
        let (port, server) = try await standIn.start(tls: (serverCertificate.certificatePEM, serverCertificate.privateKeyPEM), clientCA: clientCA.certificatePEM)
        defer { server.cancel() }
        func kubeconfig(user: String) -> [UInt8] {
            Array("""
            apiVersion: v1
            kind: Config
            current-context: c
            clusters: [{name: s, cluster: {server: "https://localhost:\(port)", certificate-authority-data: \(Data(serverCertificate.certificatePEM.utf8).base64EncodedString())}}]
            users: [{name: u, user: {\(user)}}]
            contexts: [{name: c, context: {cluster: s, user: u}}]

            """.utf8)
        }
        let withCertificate = kubeconfig(user: "client-certificate-data: \(Data(client.certificatePEM.utf8).base64EncodedString()), client-key-data: \(Data(client.privateKeyPEM.utf8).base64EncodedString())")
        let session = try KubernetesSession(connection: try Kubeconfig.connection(yaml: withCertificate, fileName: "kubeconfig", directory: "/"))
        let page = try await session.client.list(Self.services, limit: 10, continue: nil)
        #expect(page.items.map(\.key) == ["ns/a"])
        await session.shutdown()
        // A token alone does not get past a server that requires a client certificate.
        let withoutCertificate = try KubernetesSession(connection: try Kubeconfig.connection(yaml: kubeconfig(user: "token: \(standIn.token)"), fileName: "kubeconfig", directory: "/"))
        do {
            _ = try await withoutCertificate.client.list(Self.services, limit: 10, continue: nil)
            Issue.record("a client without a certificate was let in")
        } catch {
            guard case .connection = error else { Issue.record("\(error)"); return }
        }
        await withoutCertificate.shutdown()
    }

    @Test("a wrong token is refused (401), and the client says so")
    func unauthorized() async throws {
        let standIn = KubernetesAPIStandIn()
        let (port, server) = try await standIn.start()
        defer { server.cancel() }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let client = KubernetesAPIClient(baseURL: "http://127.0.0.1:\(port)", token: "wrong", http: http)
        await #expect(throws: KubernetesAPIError.status(401, message: "Unauthorized")) {
            _ = try await client.list(Self.services, limit: 10, continue: nil)
        }
        try await http.shutdown()
    }
}
