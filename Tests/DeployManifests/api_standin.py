"""A stand-in for the discovery part of a Kubernetes API server, for `kubectl apply
--dry-run=client`.

There is no API server here, and kubectl needs one even for a client-side dry run: it
maps each document's apiVersion and kind to a resource through API discovery, then asks
for the object (GET) to decide between "created" and "configured". This serves exactly
that, as the Kubernetes API concepts describe it, on 127.0.0.1 and an ephemeral port:

* `GET /api` (APIVersions), `GET /apis` (APIGroupList), `GET /api/v1` and
  `GET /apis/<group>/<version>` (APIResourceList): legacy discovery. kubectl 1.32 asks
  for aggregated discovery first (`Accept: application/json;g=apidiscovery.k8s.io;v=v2;
  as=APIGroupDiscoveryList,...`, which ends with plain `application/json`); a server that
  answers with a plain APIGroupList (Content-Type `application/json`) is taken as one
  without aggregated discovery, and kubectl then reads each group version's resource
  list, as it does from API servers before 1.26.
* `GET` of any object: 404 with a `Status` object (reason NotFound), as for an object that
  does not exist yet.

For `meridian serve` (test_serve_against_standin.py) it also keeps a few objects, just
enough for Meridian's requests to be real ones:

* `GET` of a collection: a List of the objects given for it (`items`, `metadata.
  resourceVersion`); with `watch=1` the response stays open, with no event, until the
  stand-in stops.
* `POST` to a collection creates an object (201), `PUT` of an object or of its `/status`
  replaces it (200; 404 when missing), `GET` of a created object answers it.

Every request is recorded (method, path, Accept), so a test can say what a client asked.

The resources served are the built-in ones the manifests use, the Gateway API's (as the
upstream v1.6.1 standard-channel CRDs install them), and the kinds of the
CustomResourceDefinitions handed in (our kgateway.dev CRDs, read from the files).

It is a stand-in: it does not validate, authorize, admit or default anything, has one
resourceVersion for everything and no watch events. What kubectl checks in a client dry
run (YAML syntax, apiVersion/kind known to discovery, namespaced or not, object names
present) is real; what an API server would check is not.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Resource:
    name: str  # plural, as in the URL
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    status_subresource: bool = False

    def singular(self) -> str:
        return self.kind.lower()


_STANDARD_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

# Built-in group versions (Kubernetes 1.32), only the resources the manifests here use or
# that Meridian reads: enough for discovery to be faithful for them.
BUILT_IN: dict[str, list[Resource]] = {
    "v1": [
        Resource("namespaces", "Namespace", False, ("ns",), True),
        Resource("services", "Service", True, ("svc",), True),
        Resource("serviceaccounts", "ServiceAccount", True, ("sa",)),
        Resource("secrets", "Secret", True),
        Resource("configmaps", "ConfigMap", True, ("cm",)),
        Resource("pods", "Pod", True, ("po",), True),
        Resource("endpoints", "Endpoints", True, ("ep",)),
    ],
    "apps/v1": [
        Resource("deployments", "Deployment", True, ("deploy",), True),
        Resource("replicasets", "ReplicaSet", True, ("rs",), True),
        Resource("statefulsets", "StatefulSet", True, ("sts",), True),
        Resource("daemonsets", "DaemonSet", True, ("ds",), True),
    ],
    "policy/v1": [Resource("poddisruptionbudgets", "PodDisruptionBudget", True, ("pdb",), True)],
    "rbac.authorization.k8s.io/v1": [
        Resource("clusterroles", "ClusterRole", False),
        Resource("clusterrolebindings", "ClusterRoleBinding", False),
        Resource("roles", "Role", True),
        Resource("rolebindings", "RoleBinding", True),
    ],
    "coordination.k8s.io/v1": [Resource("leases", "Lease", True)],
    "discovery.k8s.io/v1": [Resource("endpointslices", "EndpointSlice", True)],
    "apiextensions.k8s.io/v1": [
        Resource("customresourcedefinitions", "CustomResourceDefinition", False, ("crd", "crds"), True),
    ],
}

# The Gateway API as the v1.6.1 standard-channel CRDs serve it (standard-install.yaml):
# v1 for every kind, v1beta1 still served for the older ones. BackendLBPolicy is in no
# channel since v1.3, so it is not here.
GATEWAY_API: dict[str, list[Resource]] = {
    "gateway.networking.k8s.io/v1": [
        Resource("gatewayclasses", "GatewayClass", False, ("gc",), True),
        Resource("gateways", "Gateway", True, ("gtw",), True),
        Resource("listenersets", "ListenerSet", True, ("lset",), True),
        Resource("httproutes", "HTTPRoute", True, (), True),
        Resource("grpcroutes", "GRPCRoute", True, (), True),
        Resource("referencegrants", "ReferenceGrant", True, ("refgrant",)),
        Resource("backendtlspolicies", "BackendTLSPolicy", True, ("btlspolicy",), True),
        Resource("tcproutes", "TCPRoute", True, (), True),
        Resource("tlsroutes", "TLSRoute", True, (), True),
        Resource("udproutes", "UDPRoute", True, (), True),
    ],
    "gateway.networking.k8s.io/v1beta1": [
        Resource("gatewayclasses", "GatewayClass", False, ("gc",), True),
        Resource("gateways", "Gateway", True, ("gtw",), True),
        Resource("httproutes", "HTTPRoute", True, (), True),
        Resource("referencegrants", "ReferenceGrant", True, ("refgrant",)),
    ],
}


def resources_of_crds(crds: list[dict]) -> dict[str, list[Resource]]:
    """The group versions a list of CustomResourceDefinition objects would add (served versions only)."""
    served: dict[str, list[Resource]] = {}
    for crd in crds:
        spec = crd["spec"]
        names = spec["names"]
        for version in spec["versions"]:
            if not version.get("served", False):
                continue
            served.setdefault(f"{spec['group']}/{version['name']}", []).append(Resource(
                names["plural"], names["kind"], spec["scope"] == "Namespaced", tuple(names.get("shortNames", [])),
                "status" in (version.get("subresources") or {}),
            ))
    return served


@dataclass
class Request:
    method: str
    path: str
    accept: str


@dataclass
class APIStandIn:
    """The server; `start()` it, point a kubeconfig at `url`, `stop()` it."""

    group_versions: dict[str, list[Resource]]
    requests: list[Request] = field(default_factory=list)
    # Objects by (group version, resource), each with metadata.name (and namespace).
    objects: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _counter: int = 0

    @classmethod
    def with_crds(cls, crds: list[dict]) -> "APIStandIn":
        group_versions = {**BUILT_IN, **GATEWAY_API}
        for group_version, resources in resources_of_crds(crds).items():
            group_versions.setdefault(group_version, []).extend(resources)
        return cls(group_versions)

    # -- lifecycle --

    def start(self) -> None:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                standin._record(self)
                path, _, query = self.path.partition("?")
                if standin._collection(path) is not None and re.search(r"(^|&)watch=(1|true)(&|$)", query):
                    self._hold_watch()
                    return
                status, body = standin.answer_get(path)
                self._send(status, body)

            def do_POST(self) -> None:
                standin._record(self)
                status, body = standin.answer_create(self.path.split("?", 1)[0], self._body())
                self._send(status, body)

            def do_PUT(self) -> None:
                standin._record(self)
                status, body = standin.answer_replace(self.path.split("?", 1)[0], self._body())
                self._send(status, body)

            def _refuse(self) -> None:
                standin._record(self)
                self._body()
                self._send(405, status_object(405, "MethodNotAllowed", "the stand-in does not patch or delete"))

            do_PATCH = do_DELETE = _refuse

            def _body(self) -> dict | None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else b""
                try:
                    return json.loads(data) if data else None
                except ValueError:
                    return None

            def _hold_watch(self) -> None:
                """A watch with no events, open until the stand-in stops."""
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.wfile.flush()
                standin._stopping.wait(60)
                try:
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    pass
                self.close_connection = True

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="api-standin", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def _record(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append(Request(handler.command, handler.path, handler.headers.get("Accept", "")))

    def take_requests(self) -> list[Request]:
        with self._lock:
            taken, self.requests = self.requests, []
        return taken

    # -- answers --

    def groups(self) -> dict[str, list[str]]:
        """Group name -> its versions, preferred first (the first one listed)."""
        groups: dict[str, list[str]] = {}
        for group_version in self.group_versions:
            if "/" in group_version:
                group, version = group_version.split("/", 1)
                groups.setdefault(group, []).append(version)
        return groups

    def answer_get(self, path: str) -> tuple[int, dict]:
        if path == "/version":
            return 200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0", "platform": "linux/amd64"}
        if path == "/api":
            host = self.url.removeprefix("http://")
            return 200, {"kind": "APIVersions", "versions": ["v1"],
                         "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}]}
        if path == "/apis":
            return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": group,
                 "versions": [{"groupVersion": f"{group}/{v}", "version": v} for v in versions],
                 "preferredVersion": {"groupVersion": f"{group}/{versions[0]}", "version": versions[0]}}
                for group, versions in self.groups().items()
            ]}
        group_version = self._discovery_path(path)
        if group_version is not None:
            if group_version not in self.group_versions:
                return 404, status_object(404, "NotFound", "the server could not find the requested resource")
            return 200, self.resource_list(group_version)
        collection = self._collection(path)
        if collection is not None:
            return self.answer_list(*collection)
        match = self._object_path(path)
        if match is not None:
            group, resource, name = match
            found = self._find(path)
            if found is not None:
                return 200, found
            return not_found(group, resource, name)
        return 404, status_object(404, "NotFound", "the server could not find the requested resource")

    # -- collections and objects --

    def _resource(self, group_version: str, name: str) -> Resource | None:
        return next((r for r in self.group_versions.get(group_version, []) if r.name == name), None)

    def _collection(self, path: str) -> tuple[str, str, str | None] | None:
        """(group version, resource, namespace or None) of a collection URL the stand-in serves."""
        match = re.fullmatch(r"/api/(v1)(?:/namespaces/([^/]+))?/([^/]+)", path) or \
            re.fullmatch(r"/apis/([^/]+/[^/]+)(?:/namespaces/([^/]+))?/([^/]+)", path)
        if match is None:
            return None
        group_version, namespace, resource = match.group(1), match.group(2), match.group(3)
        known = self._resource(group_version, resource)
        if known is None or (namespace is not None and not known.namespaced):
            return None
        return group_version, resource, namespace

    def _split_object(self, path: str) -> tuple[str, str, str | None, str, str | None] | None:
        """(group version, resource, namespace, name, subresource) of an object URL."""
        match = re.fullmatch(r"/api/(v1)(?:/namespaces/([^/]+))?/([^/]+)/([^/]+)(?:/(status))?", path) or \
            re.fullmatch(r"/apis/([^/]+/[^/]+)(?:/namespaces/([^/]+))?/([^/]+)/([^/]+)(?:/(status))?", path)
        if match is None or self._resource(match.group(1), match.group(3)) is None:
            return None
        return match.group(1), match.group(3), match.group(2), match.group(4), match.group(5)

    def _find(self, path: str) -> dict | None:
        parts = self._split_object(path)
        if parts is None:
            return None
        group_version, resource, namespace, name, _ = parts
        with self._lock:
            for stored in self.objects.get((group_version, resource), []):
                if stored["metadata"]["name"] == name and stored["metadata"].get("namespace") == namespace:
                    return stored
        return None

    def add(self, group_version: str, resource: str, obj: dict) -> None:
        """Keeps an object, with the metadata an API server would have given it."""
        with self._lock:
            self._counter += 1
            metadata = obj.setdefault("metadata", {})
            metadata.setdefault("uid", f"00000000-0000-0000-0000-{self._counter:012d}")
            metadata["resourceVersion"] = str(self._counter)
            metadata.setdefault("generation", 1)
            metadata.setdefault("creationTimestamp", "2026-01-01T00:00:00Z")
            self.objects.setdefault((group_version, resource), []).append(obj)

    def answer_list(self, group_version: str, resource: str, namespace: str | None) -> tuple[int, dict]:
        kind = self._resource(group_version, resource).kind
        with self._lock:
            items = [o for o in self.objects.get((group_version, resource), [])
                     if namespace is None or o["metadata"].get("namespace") == namespace]
            version = str(self._counter)
        return 200, {"kind": f"{kind}List", "apiVersion": group_version, "metadata": {"resourceVersion": version}, "items": items}

    def answer_create(self, path: str, body: dict | None) -> tuple[int, dict]:
        collection = self._collection(path)
        if collection is None or not isinstance(body, dict) or not body.get("metadata", {}).get("name"):
            return 404, status_object(404, "NotFound", "the server could not find the requested resource")
        group_version, resource, namespace = collection
        if namespace is not None:
            body["metadata"]["namespace"] = namespace
        if self._find(f"{path}/{body['metadata']['name']}") is not None:
            return 409, status_object(409, "AlreadyExists", f'{resource} "{body["metadata"]["name"]}" already exists')
        self.add(group_version, resource, body)
        return 201, body

    def answer_replace(self, path: str, body: dict | None) -> tuple[int, dict]:
        parts = self._split_object(path)
        stored = self._find(path)
        if parts is None or stored is None or not isinstance(body, dict):
            group_version, resource, _, name, _ = parts or ("", "", None, "", None)
            return not_found(group_version.rpartition("/")[0], resource, name)
        with self._lock:
            self._counter += 1
            if parts[4] == "status":
                stored["status"] = body.get("status")
            else:
                metadata = stored["metadata"]
                stored.clear()
                stored.update(body)
                stored["metadata"] = {**body.get("metadata", {}), "uid": metadata["uid"],
                                      "creationTimestamp": metadata["creationTimestamp"]}
            stored["metadata"]["resourceVersion"] = str(self._counter)
            return 200, stored

    def resource_list(self, group_version: str) -> dict:
        resources = []
        for resource in self.group_versions[group_version]:
            entry = {"name": resource.name, "singularName": resource.singular(), "namespaced": resource.namespaced,
                     "kind": resource.kind, "verbs": _STANDARD_VERBS}
            if resource.short_names:
                entry["shortNames"] = list(resource.short_names)
            resources.append(entry)
            if resource.status_subresource:
                resources.append({"name": f"{resource.name}/status", "singularName": "", "namespaced": resource.namespaced,
                                  "kind": resource.kind, "verbs": ["get", "patch", "update"]})
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}

    @staticmethod
    def _discovery_path(path: str) -> str | None:
        if path == "/api/v1":
            return "v1"
        match = re.fullmatch(r"/apis/([^/]+)/([^/]+)", path)
        return f"{match.group(1)}/{match.group(2)}" if match else None

    @staticmethod
    def _object_path(path: str) -> tuple[str, str, str] | None:
        """(group, resource, name) of an object URL, cluster-scoped or namespaced."""
        match = re.fullmatch(r"/api/v1(?:/namespaces/[^/]+)?/([^/]+)/([^/]+)", path) or \
            re.fullmatch(r"/apis/([^/]+)/[^/]+(?:/namespaces/[^/]+)?/([^/]+)/([^/]+)", path)
        if match is None:
            return None
        if path.startswith("/api/v1"):
            return "", match.group(1), match.group(2)
        return match.group(1), match.group(2), match.group(3)


def not_found(group: str, resource: str, name: str) -> tuple[int, dict]:
    qualified = f"{resource}.{group}" if group else resource
    return 404, status_object(404, "NotFound", f'{qualified} "{name}" not found',
                              details={"name": name, "group": group, "kind": resource})


def status_object(code: int, reason: str, message: str, details: dict | None = None) -> dict:
    status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
              "message": message, "reason": reason, "code": code}
    if details:
        status["details"] = details
    return status


def kubeconfig(server: str) -> str:
    """A kubeconfig whose only context points at `server`, without credentials."""
    return f"""apiVersion: v1
kind: Config
clusters:
  - name: standin
    cluster:
      server: {server}
contexts:
  - name: standin
    context:
      cluster: standin
      namespace: default
current-context: standin
users: []
preferences: {{}}
"""
