"""`meridian serve` with the Deployment's own arguments, against the API stand-in holding
the example's objects, on loopback: it becomes ready, takes the Lease, writes statuses,
and every request it makes is one the RBAC in 03-rbac.yaml allows, evaluated as the RBAC
authorizer does. And every read the ClusterRole grants is one Meridian makes: nothing
granted is unused.

What differs from a pod: the addresses are 127.0.0.1 with free ports (not 0.0.0.0), the
downward API's values are filled in by hand, and --kubeconfig points at the stand-in
(in a pod: the service account)."""

from __future__ import annotations

import copy
import re
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from api_standin import APIStandIn, kubeconfig
from conftest import EXAMPLE, SEEDS, crds, documents, one
from test_install import INSTALL, flags

NAMESPACE = "meridian"
POD_NAME = "meridian-6f7d8c9b5-x2x7q"
DEADLINE = 20.0  # seconds for serve to get ready and write every status expected


@dataclass(frozen=True)
class APIRequest:
    """A resource request as the authorizer sees it."""

    verb: str
    group: str
    resource: str  # with "/subresource" when there is one
    namespace: str | None
    name: str | None


def resource_request(method: str, path: str) -> APIRequest | None:
    """The resource request of an HTTP request (None for discovery and other non-resource URLs)."""
    path, _, query = path.partition("?")
    segments = [s for s in path.split("/") if s]
    if len(segments) >= 2 and segments[0] == "api":
        group, rest = "", segments[2:]
    elif len(segments) >= 3 and segments[0] == "apis":
        group, rest = segments[1], segments[3:]
    else:
        return None
    if not rest:
        return None
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
    resource, name, subresource = rest[0], (rest[1] if len(rest) > 1 else None), (rest[2] if len(rest) > 2 else None)
    watch = re.search(r"(^|&)watch=(1|true)(&|$)", query) is not None
    verb = {"GET": "get" if name else ("watch" if watch else "list"), "POST": "create", "PUT": "update",
            "PATCH": "patch", "DELETE": "delete" if name else "deletecollection"}[method]
    return APIRequest(verb, group, resource + (f"/{subresource}" if subresource else ""), namespace, name)


def allowed(request: APIRequest, cluster_rules: list[dict], role_namespace: str, role_rules: list[dict]) -> bool:
    """RBAC: a ClusterRole bound cluster-wide applies everywhere, a Role in its namespace only;
    a rule with resourceNames never matches a request without a name (list, watch, create)."""
    rules = cluster_rules + (role_rules if request.namespace == role_namespace else [])
    for rule in rules:
        if request.group in rule["apiGroups"] and request.resource in rule["resources"] and request.verb in rule["verbs"]:
            names = rule.get("resourceNames")
            if not names or (request.name is not None and request.name in names):
                return True
    return False


def rbac() -> tuple[list[dict], str, list[dict]]:
    role = one("Role", "meridian-leader-election", INSTALL)
    return one("ClusterRole", "meridian", INSTALL)["rules"], role["metadata"]["namespace"], role["rules"]


def serve_arguments(kubeconfig_path: Path) -> list[str]:
    arguments = ["serve"]
    for name, value in flags().items():
        if name in ("--xds-address", "--admin-address"):
            value = "127.0.0.1:0"
        value = value.replace("$(POD_NAMESPACE)", NAMESPACE).replace("$(POD_NAME)", POD_NAME)
        arguments += [name, value]
    return arguments + ["--kubeconfig", str(kubeconfig_path)]


def standin_with_the_example() -> APIStandIn:
    server = APIStandIn.with_crds(crds())
    resources = {(gv, r.kind): r.name for gv, rs in server.group_versions.items() for r in rs}
    objects = [doc for path in sorted(EXAMPLE.glob("*.yaml")) for doc in documents(path)]
    # A policy of ours, so a kgateway.dev status is written too: the seed's circuit breaker,
    # on the example's Service.
    breaker = copy.deepcopy(next(d for d in documents(SEEDS / "12-circuitbreakerpolicy.yaml")))
    breaker["metadata"]["namespace"] = "meridian-example"
    breaker["spec"]["targetRefs"] = [{"group": "", "kind": "Service", "name": "echo"}]
    for doc in objects + [breaker]:
        resource = resources.get((doc["apiVersion"], doc["kind"]))
        if resource is not None and doc["kind"] not in ("Deployment", "ConfigMap"):
            server.add(doc["apiVersion"], resource, copy.deepcopy(doc))
    return server


def wait_for(condition, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def run_serve(meridian: Path, server: APIStandIn, directory: Path, expected_writes: set[str]) -> dict:
    """Runs serve with the Deployment's arguments against `server` until /readyz answers 200
    and every status subresource in `expected_writes` was written (or the deadline), then
    stops it with SIGTERM, as the kubelet would."""
    server.start()
    config = directory / "kubeconfig"
    config.write_text(kubeconfig(server.url))
    log = directory / "serve.log"
    readiness = held = None
    with log.open("w") as output:
        process = subprocess.Popen([str(meridian), *serve_arguments(config)], stdout=output, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + DEADLINE

            def admin_port() -> str | None:
                found = re.search(r"address=127\.0\.0\.1:(\d+) \[MeridianCLI\] serving the admin API", log.read_text())
                return found.group(1) if found else None

            def ready() -> bool:
                nonlocal readiness
                port = admin_port()
                if port is None or process.poll() is not None:
                    return process.poll() is not None
                try:
                    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
                            f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
                        readiness = answer.read().decode()
                        return True
                except OSError:
                    return False

            def written() -> bool:
                writes = {r.resource for r in (resource_request(q.method, q.path) for q in list(server.requests))
                          if r is not None and r.verb == "update" and r.resource.endswith("/status")}
                return expected_writes <= writes or process.poll() is not None

            wait_for(ready, deadline)
            wait_for(written, deadline)
            held = copy.deepcopy(server.objects.get(("coordination.k8s.io/v1", "leases")))
        finally:
            exited = process.poll()
            if exited is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            server.stop()
    return {"exited": exited, "log": log.read_text(), "readiness": readiness, "standin": server, "held": held,
            "requests": [(q.method, q.path) for q in server.requests]}


@pytest.fixture(scope="module")
def served(meridian: Path, tmp_path_factory):
    return run_serve(meridian, standin_with_the_example(), tmp_path_factory.mktemp("serve"),
                     {"gatewayclasses/status", "gateways/status", "httproutes/status", "circuitbreakerpolicies/status"})


def api_requests(served) -> list[APIRequest]:
    return [r for r in (resource_request(m, p) for m, p in served["requests"]) if r is not None]


def test_serve_runs_with_the_deployments_arguments(served):
    assert served["exited"] is None, served["log"][-3000:]
    assert served["readiness"] is not None and "meridian-example/example-gateway" in served["readiness"], served["log"][-3000:]


def test_ready_on_an_empty_cluster(meridian: Path, tmp_path: Path):
    """Nothing to read (only the CRDs installed) is a valid, empty configuration: ready."""
    empty = run_serve(meridian, APIStandIn.with_crds(crds()), tmp_path, set())
    assert empty["exited"] is None, empty["log"][-3000:]
    assert empty["readiness"] is not None and '"groups": []' in empty["readiness"], empty["log"][-3000:]


def test_every_request_is_allowed_by_the_rbac(served):
    cluster_rules, role_namespace, role_rules = rbac()
    refused = sorted({r for r in api_requests(served) if not allowed(r, cluster_rules, role_namespace, role_rules)},
                     key=repr)
    assert refused == []


def test_every_read_granted_is_used(served):
    cluster_rules, _, _ = rbac()
    granted = {(group, resource) for rule in cluster_rules if "list" in rule["verbs"]
               for group in rule["apiGroups"] for resource in rule["resources"]}
    listed = {(r.group, r.resource) for r in api_requests(served) if r.verb == "list" and r.namespace is None}
    assert granted == listed


def test_statuses_and_the_lease_are_written(served):
    requests = api_requests(served)
    writes = {(r.group, r.resource) for r in requests if r.verb == "update" and r.resource.endswith("/status")}
    assert {("gateway.networking.k8s.io", "gatewayclasses/status"), ("gateway.networking.k8s.io", "gateways/status"),
            ("gateway.networking.k8s.io", "httproutes/status"), ("kgateway.dev", "circuitbreakerpolicies/status")} <= writes
    # Held while serving, under the pod's name; given up on SIGTERM, so another replica
    # takes over at once.
    [held] = served["held"]
    assert held["metadata"]["namespace"] == NAMESPACE and held["metadata"]["name"] == flags()["--lease-name"]
    assert held["spec"]["holderIdentity"] == POD_NAME
    [released] = served["standin"].objects[("coordination.k8s.io/v1", "leases")]
    assert not released["spec"].get("holderIdentity")
    gateway_class = served["standin"].objects[("gateway.networking.k8s.io/v1", "gatewayclasses")][0]
    assert any(c["type"] == "Accepted" and c["status"] == "True" for c in gateway_class["status"]["conditions"])


def test_the_authorizer_refuses_what_is_not_granted():
    cluster_rules, role_namespace, role_rules = rbac()
    for request in [
        APIRequest("get", "", "secrets", "default", "token"),
        APIRequest("update", "gateway.networking.k8s.io", "httproutes", "default", "r"),
        APIRequest("patch", "gateway.networking.k8s.io", "httproutes/status", "default", "r"),
        APIRequest("update", "coordination.k8s.io", "leases", NAMESPACE, "someone-elses"),
        APIRequest("create", "coordination.k8s.io", "leases", "default", None),
        APIRequest("list", "apps", "deployments", None, None),
    ]:
        assert not allowed(request, cluster_rules, role_namespace, role_rules), request
    assert allowed(APIRequest("update", "coordination.k8s.io", "leases", NAMESPACE, "meridian-status"),
                   cluster_rules, role_namespace, role_rules)
    assert resource_request("GET", "/apis/gateway.networking.k8s.io/v1/httproutes?watch=1&resourceVersion=5") == \
        APIRequest("watch", "gateway.networking.k8s.io", "httproutes", None, None)
    assert resource_request("PUT", "/apis/kgateway.dev/v1alpha1/namespaces/a/retrypolicies/r/status") == \
        APIRequest("update", "kgateway.dev", "retrypolicies/status", "a", "r")
