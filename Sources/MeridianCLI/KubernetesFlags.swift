import ArgumentParser
import MeridianKubernetes

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

    func validate() throws {
        if source == .files, kubeconfig != nil || kubernetesContext != nil || !namespaces.isEmpty {
            throw ValidationError("--kubeconfig, --kubernetes-context and --namespace are for --source kubernetes")
        }
    }

    func connection() throws(KubernetesConfigurationError) -> KubernetesConnection {
        if let kubeconfig { return try Kubeconfig.connection(file: kubeconfig, context: kubernetesContext) }
        return try KubernetesConnection.inCluster()
    }
}
