"""The install manifests agree with each other and with Meridian: the Deployment's flags
exist in `meridian serve`, its ports are the ones the probes and the Service use, the
selectors select its pods, and the RBAC grants what our CRDs and the leader election need
and no more.

That the RBAC covers every kind Meridian reads is checked on the Swift side, where the
list of kinds (ReadKinds) is; here the rules are checked against our own files."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import DEPLOY, by_kind, crds, one, run
from test_crd_schemas import plural

INSTALL = sorted(DEPLOY.glob("*.yaml"))


def deployment() -> dict:
    return one("Deployment", "meridian", INSTALL)


def container() -> dict:
    [meridian] = deployment()["spec"]["template"]["spec"]["containers"]
    return meridian


def flags() -> dict[str, str]:
    """The serve flags of the container, each with its value."""
    arguments = container()["args"]
    assert arguments[0] == "serve"
    pairs = arguments[1:]
    assert len(pairs) % 2 == 0 and all(name.startswith("--") for name in pairs[::2]), pairs
    return dict(zip(pairs[::2], pairs[1::2]))


def pod_labels() -> dict:
    return deployment()["spec"]["template"]["metadata"]["labels"]


def selects(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


# -- the Deployment --

def test_serve_knows_every_flag(meridian: Path):
    result = run([str(meridian), "serve", "--help"])
    assert result.returncode == 0, result.stderr
    known = set(re.findall(r"(--[a-z][a-z0-9-]*)", result.stdout))
    assert sorted(set(flags()) - known) == []


def test_kubernetes_mode_on_every_interface():
    arguments = flags()
    assert arguments["--source"] == "kubernetes"
    assert "--kubeconfig" not in arguments, "in-cluster: the service account"
    ports = {port["name"]: port["containerPort"] for port in container()["ports"]}
    assert arguments["--xds-address"] == f"0.0.0.0:{ports['grpc-xds']}"
    assert arguments["--admin-address"] == f"0.0.0.0:{ports['admin']}"


def test_probes_use_the_admin_server():
    meridian = container()
    assert meridian["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "admin"}
    assert meridian["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "admin"}
    assert meridian["startupProbe"]["httpGet"]["port"] == "admin"


def test_lease_flags_come_from_the_downward_api():
    arguments = flags()
    env = {e["name"]: e["valueFrom"]["fieldRef"]["fieldPath"] for e in container()["env"]}
    assert arguments["--lease-namespace"] == "$(POD_NAMESPACE)" and env["POD_NAMESPACE"] == "metadata.namespace"
    assert arguments["--lease-identity"] == "$(POD_NAME)" and env["POD_NAME"] == "metadata.name"


def test_replicas_spread_and_protected():
    spec = deployment()["spec"]
    assert spec["replicas"] >= 2
    assert selects(spec["selector"]["matchLabels"], pod_labels())
    [term] = spec["template"]["spec"]["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert term["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    assert selects(term["podAffinityTerm"]["labelSelector"]["matchLabels"], pod_labels())
    budget = one("PodDisruptionBudget", "meridian", INSTALL)
    assert budget["spec"]["minAvailable"] == 1
    assert selects(budget["spec"]["selector"]["matchLabels"], pod_labels())


def test_locked_down():
    pod = deployment()["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    security = container()["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    resources = container()["resources"]
    assert resources["requests"]["memory"] and resources["limits"]["memory"]


def test_xds_service_reaches_the_pods():
    service = one("Service", "meridian-xds", INSTALL)
    assert service["spec"]["type"] == "ClusterIP"
    assert selects(service["spec"]["selector"], pod_labels())
    [port] = service["spec"]["ports"]
    assert port["targetPort"] == "grpc-xds" and port["appProtocol"] == "kubernetes.io/h2c"
    assert f"0.0.0.0:{port['port']}" == flags()["--xds-address"]


def test_one_namespace_for_everything_namespaced():
    [namespace] = by_kind("Namespace", INSTALL)
    name = namespace["metadata"]["name"]
    for path in INSTALL:
        for doc in by_kind("Deployment", [path]) + by_kind("Service", [path]) + by_kind("ServiceAccount", [path]) \
                + by_kind("Role", [path]) + by_kind("RoleBinding", [path]) + by_kind("PodDisruptionBudget", [path]):
            assert doc["metadata"]["namespace"] == name, f"{path.name}: {doc['kind']} {doc['metadata']['name']}"


# -- RBAC --

def cluster_rules() -> list[dict]:
    return one("ClusterRole", "meridian", INSTALL)["rules"]


def granted(rules: list[dict]) -> dict[tuple[str, str], set[str]]:
    """(group, resource) -> verbs."""
    verbs: dict[tuple[str, str], set[str]] = {}
    for rule in rules:
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                verbs.setdefault((group, resource), set()).update(rule["verbs"])
    return verbs


def test_bindings_name_the_service_account():
    account = one("ServiceAccount", "meridian", INSTALL)
    assert deployment()["spec"]["template"]["spec"]["serviceAccountName"] == account["metadata"]["name"]
    subject = {"kind": "ServiceAccount", "name": account["metadata"]["name"], "namespace": account["metadata"]["namespace"]}
    cluster_binding = one("ClusterRoleBinding", "meridian", INSTALL)
    assert cluster_binding["subjects"] == [subject]
    assert cluster_binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "meridian"}
    binding = one("RoleBinding", "meridian-leader-election", INSTALL)
    assert binding["subjects"] == [subject]
    assert binding["roleRef"]["name"] == "meridian-leader-election"


def test_read_only_except_status():
    """list+watch on objects, update on status subresources, nothing else, no wildcard."""
    grants = granted(cluster_rules())
    for (group, resource), verbs in grants.items():
        assert "*" not in group and "*" not in resource and "*" not in verbs
        if resource.endswith("/status"):
            assert verbs == {"update"}, (group, resource)
            assert grants.get((group, resource.removesuffix("/status"))) == {"list", "watch"}
        else:
            assert verbs == {"list", "watch"}, (group, resource)
    assert all("resourceNames" not in rule for rule in cluster_rules())


def test_our_crds_are_granted_exactly():
    verbs = granted(cluster_rules())
    ours = {resource for (group, resource) in verbs if group == "kgateway.dev"}
    expected = set()
    for crd in crds():
        name = crd["spec"]["names"]["plural"]
        expected.add(name)
        if "status" in crd["spec"]["versions"][0].get("subresources", {}):
            expected.add(f"{name}/status")
    assert ours == expected


def test_rbac_resource_names_follow_meridians_plural_rule():
    """Every resource is a plural Meridian could request (ReadKind.resource(of:)): a kind
    whose plural this rule gives, e.g. not `connectionpoolsettings`."""
    kinds = {
        "services": "Service", "secrets": "Secret", "configmaps": "ConfigMap", "namespaces": "Namespace",
        "endpointslices": "EndpointSlice", "gatewayclasses": "GatewayClass", "gateways": "Gateway",
        "listenersets": "ListenerSet", "httproutes": "HTTPRoute", "grpcroutes": "GRPCRoute",
        "referencegrants": "ReferenceGrant", "backendtlspolicies": "BackendTLSPolicy",
        "backendlbpolicies": "BackendLBPolicy", "trafficpolicies": "TrafficPolicy", "backends": "Backend",
        "directresponses": "DirectResponse", "backendconfigpolicies": "BackendConfigPolicy",
    } | {crd["spec"]["names"]["plural"]: crd["spec"]["names"]["kind"] for crd in crds()}
    for (_, resource) in granted(cluster_rules()):
        name = resource.removesuffix("/status")
        assert name in kinds, f"{name}: which kind?"
        assert plural(kinds[name]) == name


def test_leader_election_role():
    role = one("Role", "meridian-leader-election", INSTALL)
    lease = flags()["--lease-name"]
    rules = role["rules"]
    assert all(rule["apiGroups"] == ["coordination.k8s.io"] and rule["resources"] == ["leases"] for rule in rules)
    by_verbs = {tuple(sorted(rule["verbs"])): rule.get("resourceNames") for rule in rules}
    assert by_verbs == {("create",): None, ("get", "update"): [lease]}
