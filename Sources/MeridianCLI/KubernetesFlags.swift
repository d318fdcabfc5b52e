import ArgumentParser
import Foundation
import MeridianKubernetes
import MeridianRuntime

/// `serve`'s choice of where objects come from, and how to reach the Kubernetes API.
struct KubernetesFlags: ParsableArguments {
    enum Source: String, ExpressibleByArgument, CaseIterable {
        case files, kubernetes
    }

    /// The GatewayClass `controllerName` served with `--source kubernetes` unless
    /// `--controller-name` names others (files serve every GatewayClass by default).
    static let defaultControllerName = "meridian.dev/gateway-controller"

    @Option(help: "files: read --config paths and follow them. kubernetes: list and watch the API server.")
    var source: Source = .files

    @Option(help: ArgumentHelp("A kubeconfig file for --source kubernetes; without it, the pod's service account (in-cluster).", valueName: "path"))
    var kubeconfig: String?

    @Option(help: ArgumentHelp("The kubeconfig context to use; default: its current-context.", valueName: "name"))
    var kubernetesContext: String?

    @Option(name: .customLong("namespace"), help: ArgumentHelp("Read namespaced kinds from this namespace only (repeatable); default: every namespace.", valueName: "name"))
    var namespaces: [String] = []

    @Flag(inversion: .prefixedNo, help: "With --source kubernetes, write each object's Gateway API status back to the API server (one replica at a time: the holder of the Lease).")
    var writeStatus = true

    @Option(help: ArgumentHelp("The Lease's namespace; default: the pod's (its service account's), or the kubeconfig context's, else default.", valueName: "name"))
    var leaseNamespace: String?

    @Option(help: ArgumentHelp("The coordination.k8s.io Lease whose holder writes status.", valueName: "name"))
    var leaseName = "meridian-status"

    @Option(help: ArgumentHelp("This replica's identity in the Lease; default: host name (the pod's name) and a random suffix.", valueName: "id"))
    var leaseIdentity: String?

    @Option(help: ArgumentHelp("How long the Lease holds without renewal: another replica takes over at most this long after the leader dies (at once when it stops cleanly).", valueName: "seconds"))
    var leaseDuration = 15

    @Option(help: ArgumentHelp("Status writes per second at most, all objects together.", valueName: "writes"))
    var statusWritesPerSecond = 20.0

    func validate() throws {
        if source == .files, kubeconfig != nil || kubernetesContext != nil || !namespaces.isEmpty {
            throw ValidationError("--kubeconfig, --kubernetes-context and --namespace are for --source kubernetes")
        }
        guard leaseDuration >= 2 else { throw ValidationError("--lease-duration: at least 2 seconds") }
        guard statusWritesPerSecond > 0 else { throw ValidationError("--status-writes-per-second: more than 0") }
    }

    /// Status write-back as the flags set it; nil with --no-write-status.
    func statusSettings(controllerNames: Set<String>, connection: KubernetesConnection) -> KubernetesStatusSettings? {
        guard writeStatus else { return nil }
        let podNamespace = connection.namespace
        let identity = leaseIdentity ?? "\(ProcessInfo.processInfo.hostName)_\(UUID().uuidString.prefix(8).lowercased())"
        return KubernetesStatusSettings(
            controllerNames: controllerNames, leaseNamespace: leaseNamespace ?? podNamespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default",
            leaseName: leaseName, identity: identity, leaseDuration: .seconds(leaseDuration), writesPerSecond: statusWritesPerSecond
        )
    }

    func connection() throws(KubernetesConfigurationError) -> KubernetesConnection {
        if let kubeconfig { return try Kubeconfig.connection(file: kubeconfig, context: kubernetesContext) }
        return try KubernetesConnection.inCluster()
    }
}
