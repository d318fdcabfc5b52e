import Foundation
import MeridianTestSupport

/// The pods of the upstream Deployments, one loopback echo process each (`scripts/echo-backend.py`).
///
/// Upstream runs `echo-basic` in every Deployment of the manifests; here one process stands for a
/// Deployment's pods. They are shared by every test of the run, as the base manifests' pods are
/// shared by every upstream test, and end when the test process does (`--parent-pid`).
actor EchoPods {
    static let shared = EchoPods()

    /// One echo process: its pod name and the loopback port behind each container port it serves.
    struct Pod: Sendable {
        var namespace: String
        var name: String
        /// Port 3000 (HTTP) of echo-basic.
        var httpPort: Int
        /// Port 3001 (h2c) of echo-basic: HTTP/2 with prior knowledge (`--h2c-port`).
        var h2cPort: Int
        /// Port 8443 (HTTPS) of echo-basic, served by the Deployments that mount a certificate (`tls-backend*`).
        var tlsPort: Int?

        /// The loopback port serving the container port a Service's targetPort names.
        func port(forTarget target: Int?) -> Int {
            if target == 8443, let tlsPort { return tlsPort }
            return target == 3001 ? h2cPort : httpPort
        }
    }

    private var pods: [String: Task<Pod, any Error>] = [:]
    private let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("meridian-conformance-pods-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()
    private var processes: [ChildProcess] = []

    /// The pod of Deployment `namespace/deployment`, started on first use.
    /// `grpc`: upstream's gRPC echo pod (`scripts/grpc-echo-backend.py`), serving its one port.
    /// `clientCA`: the ConfigMap of CAs its HTTPS port checks client certificates against
    /// (echo-basic's `TLS_CLIENT_CACERTS`).
    func pod(namespace: String, deployment: String, grpc: Bool = false, clientCA: String? = nil) async throws -> Pod {
        let key = "\(namespace)/\(deployment)"
        if let existing = pods[key] { return try await existing.value }
        let directory = directory
        let task = Task { () throws -> Pod in
            guard let python = RepositoryPaths.executable(named: "python3") else { throw FixtureError("python3 not found on PATH") }
            // A pod name starts with its Deployment's name, as Kubernetes names them.
            let podName = "\(deployment)-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
            let portFile = directory.appendingPathComponent("\(namespace)-\(deployment).ports")
            try? FileManager.default.removeItem(at: portFile)
            var tlsArguments: [String] = []
            if !grpc, let certificate = SuiteSecrets.servingCertificate(namespace: namespace, deployment: deployment) {
                let certFile = directory.appendingPathComponent("\(namespace)-\(deployment).crt")
                let keyFile = directory.appendingPathComponent("\(namespace)-\(deployment).key")
                try certificate.certificatePEM.write(to: certFile, atomically: true, encoding: .utf8)
                try certificate.privateKeyPEM.write(to: keyFile, atomically: true, encoding: .utf8)
                tlsArguments = ["--tls-port", "0", "--tls-cert", certFile.path, "--tls-key", keyFile.path]
                if let clientCA {
                    guard let ca = SuiteSecrets.caCertificate(configMap: clientCA, namespace: namespace) else {
                        throw FixtureError("echo pod \(key): no suite ConfigMap \(namespace)/\(clientCA) for TLS_CLIENT_CACERTS")
                    }
                    let caFile = directory.appendingPathComponent("\(namespace)-\(deployment)-client-ca.crt")
                    try ca.certificatePEM.write(to: caFile, atomically: true, encoding: .utf8)
                    tlsArguments += ["--tls-client-ca", caFile.path]
                }
            }
            let script = RepositoryPaths.root.appendingPathComponent(grpc ? "scripts/grpc-echo-backend.py" : "scripts/echo-backend.py")
            let process = try ChildProcess(
                executable: python,
                arguments: [script.path, "--namespace", namespace, "--service", deployment, "--pod", podName]
                    + (grpc ? ["--port", "0"] : ["--port", "0", "--h2c-port", "0"]) + tlsArguments
                    + ["--port-file", portFile.path, "--parent-pid", String(getpid())],
                logFile: directory.appendingPathComponent("\(namespace)-\(deployment).log")
            )
            self.keep(process)
            guard await eventually(timeout: .seconds(20), { FileManager.default.fileExists(atPath: portFile.path) }),
                  let ports = try? String(contentsOf: portFile, encoding: .utf8).split(separator: "\n").compactMap({ Int($0) }),
                  ports.count == (grpc ? 1 : 2) + (tlsArguments.isEmpty ? 0 : 1) else {
                throw FixtureError("echo pod \(key) did not start: \(process.output)")
            }
            return Pod(namespace: namespace, name: podName, httpPort: ports[0], h2cPort: ports.count > 1 ? ports[1] : ports[0],
                       tlsPort: ports.count > 2 ? ports[2] : nil)
        }
        pods[key] = task
        return try await task.value
    }

    private func keep(_ process: ChildProcess) { processes.append(process) }

    /// What the pod of Deployment `namespace/deployment` has logged (upstream's `DumpEchoLogs`):
    /// a line per echoed request, `Echoing back request made to TARGET to client (ADDRESS)`.
    func logs(namespace: String, deployment: String) async throws -> [String] {
        _ = try await pod(namespace: namespace, deployment: deployment)
        let file = directory.appendingPathComponent("\(namespace)-\(deployment).log")
        return (try? String(contentsOf: file, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
    }
}
