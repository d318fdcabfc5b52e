"""The example (deploy/kubernetes/example/): the Envoy bootstrap in its ConfigMap is what
`meridian bootstrap` prints and passes `envoy --mode validate` with the container's own
arguments; it points at the meridian-xds Service and names the example Gateway; the
Gateway API objects are valid and fully accepted by Meridian."""

from __future__ import annotations

from pathlib import Path

import yaml

from conftest import DEPLOY, EXAMPLE, one, run

ENVOY_FILE = EXAMPLE / "03-envoy.yaml"
# The command whose output the ConfigMap holds (its comment says the same).
BOOTSTRAP_ARGUMENTS = [
    "bootstrap", "--xds-address", "meridian-xds.meridian.svc.cluster.local:18000",
    "--gateway", "meridian-example/example-gateway", "--stats-address", "0.0.0.0:19001",
]


def bootstrap_text() -> str:
    return one("ConfigMap", "envoy-bootstrap", [ENVOY_FILE])["data"]["bootstrap.yaml"]


def envoy_container() -> dict:
    deployment = one("Deployment", "example-gateway", [ENVOY_FILE])
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return container


def validate_command(envoy: Path, bootstrap: Path) -> list[str]:
    """The container's command and arguments, with the bootstrap at `bootstrap` and the
    downward API's $(POD_NAME) filled in, in validate mode."""
    container = envoy_container()
    assert container["command"] == ["envoy"]
    mount = next(m for m in container["volumeMounts"] if m["name"] == "bootstrap")["mountPath"]
    arguments = [str(bootstrap) if a == f"{mount}/bootstrap.yaml" else a.replace("$(POD_NAME)", "example-gateway-7d4b9c-x2x7q")
                 for a in container["args"]]
    assert str(bootstrap) in arguments, "the container does not read the ConfigMap's bootstrap.yaml"
    return [str(envoy), "--mode", "validate", *arguments]


def test_bootstrap_is_what_meridian_prints(meridian: Path):
    result = run([str(meridian), *BOOTSTRAP_ARGUMENTS])
    assert result.returncode == 0, result.stderr
    assert bootstrap_text() == result.stdout


def test_bootstrap_passes_envoy_validate(envoy: Path, tmp_path: Path):
    bootstrap = tmp_path / "bootstrap.yaml"
    bootstrap.write_text(bootstrap_text())
    result = run(validate_command(envoy, bootstrap))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"configuration '{bootstrap}' OK" in result.stdout + result.stderr


def test_a_broken_bootstrap_fails_envoy_validate(envoy: Path, tmp_path: Path):
    bootstrap = tmp_path / "bootstrap.yaml"
    broken = bootstrap_text().replace("api_type: GRPC", "api_type: GRPC\n    api_typo: GRPC", 1)
    assert broken != bootstrap_text()
    bootstrap.write_text(broken)
    result = run(validate_command(envoy, bootstrap))
    assert result.returncode != 0
    assert "api_typo" in result.stdout + result.stderr


def test_bootstrap_points_at_the_xds_service_and_the_gateway():
    bootstrap = yaml.safe_load(bootstrap_text())
    service = one("Service", "meridian-xds", [DEPLOY / "05-service.yaml"])
    [port] = service["spec"]["ports"]
    [cluster] = [c for c in bootstrap["static_resources"]["clusters"] if c["name"] == "meridian_xds"]
    address = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]["socket_address"]
    assert address == {"address": f"meridian-xds.{service['metadata']['namespace']}.svc.cluster.local", "port_value": port["port"]}
    assert cluster["type"] == "STRICT_DNS"
    assert bootstrap["dynamic_resources"]["ads_config"]["grpc_services"][0]["envoy_grpc"]["cluster_name"] == "meridian_xds"

    gateway = one("Gateway", "example-gateway", [EXAMPLE / "02-gateway.yaml"])
    assert bootstrap["node"]["cluster"] == f"{gateway['metadata']['namespace']}/{gateway['metadata']['name']}"


def test_envoy_serves_the_gateway_listener_port():
    gateway = one("Gateway", "example-gateway", [EXAMPLE / "02-gateway.yaml"])
    container = envoy_container()
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["http"] == gateway["spec"]["listeners"][0]["port"]
    assert container["readinessProbe"]["tcpSocket"]["port"] == "http"
    assert "--service-node" in container["args"], "each replica needs its own node id"
    service = one("Service", "example-gateway", [ENVOY_FILE])
    assert service["spec"]["ports"][0]["targetPort"] == "http"


def test_gateway_class_is_meridians():
    gateway_class = one("GatewayClass", "meridian", [EXAMPLE / "02-gateway.yaml"])
    assert gateway_class["spec"]["controllerName"] == "meridian.dev/gateway-controller"


def test_example_is_valid_and_accepted_by_meridian(meridian: Path):
    """`meridian validate --strict`: every Gateway API object decodes (the loader checks the
    upstream CRDs' patterns) and is fully accepted (no False condition)."""
    result = run([str(meridian), "validate", "--strict", "--controller-name", "meridian.dev/gateway-controller",
                  "--config", str(EXAMPLE)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 Gateways, 1 HTTPRoutes" in result.stdout
    assert "0 errors" in result.stdout


def test_meridian_refuses_a_broken_example(meridian: Path, tmp_path: Path):
    for path in EXAMPLE.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text())
    routes = tmp_path / "02-gateway.yaml"
    routes.write_text(routes.read_text().replace("type: PathPrefix", "type: PathPrefx"))
    result = run([str(meridian), "validate", "--strict", "--config", str(tmp_path)])
    assert result.returncode == 1
    assert "spec.rules[0].matches[0].path.type" in result.stdout
