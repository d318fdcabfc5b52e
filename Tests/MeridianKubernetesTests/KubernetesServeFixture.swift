import Foundation
import KubernetesAPIStandIn
import MeridianTestSupport

/// What the Kubernetes end-to-end tests share: a kubeconfig for the stand-in, `meridian serve
/// --source kubernetes` started on it, and the objects of a small cluster.
enum KubernetesServeFixture {
    static let gatewayClasses = "/apis/gateway.networking.k8s.io/v1/gatewayclasses"
    static let routes = "/apis/gateway.networking.k8s.io/v1/namespaces/ns/httproutes"
    static let leases = "/apis/coordination.k8s.io/v1/namespaces/meridian/leases"

    /// A kubeconfig for the stand-in at `server` (http:// or https://), with its token.
    static func kubeconfig(in directory: URL, server: String, token: String, name: String = "kubeconfig", extraCluster: String = "", extraUser: String = "") throws -> URL {
        let file = directory.appendingPathComponent(name)
        try """
        apiVersion: v1
        kind: Config
        current-context: stand-in
        clusters: [{name: stand-in, cluster: {server: "\(server)"\(extraCluster)}}]
        users: [{name: meridian, user: {token: \(token)\(extraUser)}}]
        contexts: [{name: stand-in, context: {cluster: stand-in, user: meridian}}]

        """.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// `meridian serve --source kubernetes` on `kubeconfig`, ports picked by the kernel.
    static func serve(kubeconfig: URL, in directory: URL, log: String = "meridian.log", arguments: [String] = []) throws -> (ChildProcess, ServeLogPorts.Ports) {
        let process = try ChildProcess(
            executable: try KubernetesServeEndToEndTests.meridianBinary,
            arguments: ["serve", "--source", "kubernetes", "--kubeconfig", kubeconfig.path, "--xds-address", "127.0.0.1:0",
                        "--admin-address", "127.0.0.1:0", "--listener-address", "127.0.0.1", "--log-level", "debug"] + arguments,
            logFile: directory.appendingPathComponent(log)
        )
        do {
            return (process, try ServeLogPorts.wait(for: process))
        } catch {
            process.stop()
            throw error
        }
    }

    /// Meridian's GatewayClass and a Gateway `ns/gw` on `port`, a Service and EndpointSlice
    /// per backend (name → port on 127.0.0.1), and another controller's GatewayClass `other`.
    static func cluster(_ standIn: KubernetesAPIStandIn, listenerPort: Int, backends: [(name: String, port: Int)]) throws {
        try standIn.put(gatewayClasses, json: #"{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass", "metadata": {"name": "meridian"}, "spec": {"controllerName": "meridian.dev/gateway-controller"}}"#)
        try standIn.put(gatewayClasses, json: #"{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass", "metadata": {"name": "other"}, "spec": {"controllerName": "example.com/other-controller"}}"#)
        try standIn.put("/apis/gateway.networking.k8s.io/v1/namespaces/ns/gateways",
                        json: #"{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "gw", "namespace": "ns"}, "spec": {"gatewayClassName": "meridian", "listeners": [{"name": "http", "protocol": "HTTP", "port": \#(listenerPort)}]}}"#)
        for backend in backends {
            // As a real server lists built-in kinds: without apiVersion and kind.
            try standIn.put("/api/v1/namespaces/ns/services",
                            json: #"{"metadata": {"name": "\#(backend.name)", "namespace": "ns"}, "spec": {"ports": [{"name": "http", "port": 80, "targetPort": \#(backend.port)}]}}"#)
            try standIn.put("/apis/discovery.k8s.io/v1/namespaces/ns/endpointslices",
                            json: #"{"metadata": {"name": "\#(backend.name)-1", "namespace": "ns", "labels": {"kubernetes.io/service-name": "\#(backend.name)"}}, "addressType": "IPv4", "ports": [{"name": "http", "port": \#(backend.port)}], "endpoints": [{"addresses": ["127.0.0.1"]}]}"#)
        }
    }

    /// An HTTPRoute `ns/name` on `ns/gw` (and `parents`, more parentRefs as JSON) to `backend`.
    static func route(_ name: String = "r", to backend: String, path: String = "/", parents: [String] = [], status: String? = nil) -> String {
        let refs = ([#"{"name": "gw"}"#] + parents).joined(separator: ", ")
        let statusMember = status.map { #", "status": \#($0)"# } ?? ""
        return #"{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "\#(name)", "namespace": "ns"}, "spec": {"parentRefs": [\#(refs)], "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "\#(path)"}}], "backendRefs": [{"name": "\#(backend)", "port": 80}]}]}\#(statusMember)}"#
    }

    /// A stored object's JSON as a tree.
    static func tree(_ standIn: KubernetesAPIStandIn, _ collection: String, key: String) -> [String: Any]? {
        standIn.object(collection, key: key).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}
