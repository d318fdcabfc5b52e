"""Every manifest passes `kubectl apply --dry-run=client --validate=false`, against the
discovery stand-in (api_standin.py): kubectl parses each file, maps each document's
apiVersion and kind to a resource through discovery, asks for the object (404) and
reports it "created (dry run)". A kind discovery does not know fails the apply."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from api_standin import APIStandIn, kubeconfig
from conftest import DEPLOY, EXAMPLE, SEEDS, Kubectl, documents, manifest_files, run


def expected_lines(path: Path) -> list[str]:
    """What kubectl prints for each document of a file: `kind[.group]/name created (dry run)`."""
    lines = []
    for doc in documents(path):
        api_version = doc["apiVersion"]
        group = api_version.split("/")[0] if "/" in api_version else ""
        kind = doc["kind"].lower() + (f".{group}" if group else "")
        lines.append(f"{kind}/{doc['metadata']['name']} created (dry run)")
    return lines


@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_each_manifest_applies(kubectl: Kubectl, path: Path):
    result = kubectl.apply_dry_run(path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected_lines(path)
    assert result.stderr == ""


def test_install_commands_of_the_readme_apply(kubectl: Kubectl, standin):
    """`kubectl apply -f deploy/kubernetes/` and `-f deploy/kubernetes/example/`, as the
    README has them: files in name order, every object created, nothing written."""
    standin.take_requests()
    for directory in (DEPLOY, EXAMPLE):
        result = kubectl.apply_dry_run(directory)
        assert result.returncode == 0, result.stderr
        expected = [line for path in sorted(directory.glob("*.yaml")) for line in expected_lines(path)]
        assert result.stdout.splitlines() == expected
    methods = {request.method for request in standin.take_requests()}
    assert methods == {"GET"}, "a client-side dry run must not write"


def client_minor_version(kubectl: Kubectl) -> int:
    result = run([kubectl.binary, "version", "--client", "-o", "json"], env=kubectl.env)
    assert result.returncode == 0, result.stderr
    return int(re.match(r"\d+", json.loads(result.stdout)["clientVersion"]["minor"]).group(0))


def test_discovery_is_asked_aggregated_and_answered_legacy(kubectl: Kubectl, standin, tmp_path):
    """kubectl 1.32 asks /api and /apis for aggregated discovery; the stand-in answers the
    legacy lists, and kubectl then reads each group version's resources and GETs the object.
    (Debian's kubernetes-client, the fallback of scripts/setup, is kubectl 1.20: legacy
    discovery only.)"""
    fresh = Kubectl(kubectl.binary, kubectl.kubeconfig, tmp_path / "cache", kubectl.env)
    standin.take_requests()
    result = fresh.apply_dry_run(DEPLOY / "04-deployment.yaml")
    assert result.returncode == 0, result.stderr
    requests = standin.take_requests()
    paths = [request.path.split("?")[0] for request in requests]
    roots = [r for r in requests if r.path.split("?")[0] in ("/api", "/apis")]
    assert roots
    if client_minor_version(kubectl) >= 30:
        assert all("as=APIGroupDiscoveryList" in r.accept for r in roots)
    assert "/apis/apps/v1" in paths, "legacy per-group discovery was not used"
    assert "/apis/apps/v1/namespaces/meridian/deployments/meridian" in paths


@pytest.mark.parametrize("path", sorted(p for p in SEEDS.glob("*.yaml") if p.name != "09-httproute-fallback-backendlbpolicy.yaml"),
                         ids=lambda p: p.name)
def test_seed_manifests_apply(kubectl: Kubectl, path: Path):
    """The seed documents apply with our CRDs and the Gateway API's: their kgateway.dev
    kinds are known to discovery only through 01-crds.yaml."""
    result = kubectl.apply_dry_run(path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected_lines(path)


def test_backendlbpolicy_seed_has_no_crd_in_gateway_api_v1_6_1(kubectl: Kubectl):
    """The seed's BackendLBPolicy (gateway.networking.k8s.io/v1alpha2) left the Gateway API
    in v1.3; no v1.6.1 channel installs it, so a cluster refuses that document."""
    result = kubectl.apply_dry_run(SEEDS / "09-httproute-fallback-backendlbpolicy.yaml")
    assert result.returncode != 0
    assert 'no matches for kind "BackendLBPolicy" in version "gateway.networking.k8s.io/v1alpha2"' in result.stderr


def test_unknown_kind_fails(kubectl: Kubectl, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: default\n")
    result = kubectl.apply_dry_run(broken)
    assert result.returncode != 0
    assert 'no matches for kind "Widget" in version "example.com/v1"' in result.stderr
    assert "created (dry run)" not in result.stdout


def test_kgateway_dev_kinds_come_from_our_crds(kubectl: Kubectl, tmp_path):
    """A kgateway.dev kind we do not define fails; without 01-crds.yaml's kinds a seed
    CircuitBreakerPolicy fails too."""
    stray = tmp_path / "stray.yaml"
    stray.write_text("apiVersion: kgateway.dev/v1alpha1\nkind: TrafficPolicy\nmetadata:\n  name: t\n  namespace: default\nspec: {}\n")
    result = kubectl.apply_dry_run(stray)
    assert result.returncode != 0
    assert 'no matches for kind "TrafficPolicy" in version "kgateway.dev/v1alpha1"' in result.stderr

    bare = APIStandIn.with_crds([])
    bare.start()
    try:
        config = tmp_path / "bare-kubeconfig"
        config.write_text(kubeconfig(bare.url))
        without = Kubectl(kubectl.binary, config, tmp_path / "bare-cache", kubectl.env)
        result = without.apply_dry_run(SEEDS / "12-circuitbreakerpolicy.yaml")
    finally:
        bare.stop()
    assert result.returncode != 0
    assert 'no matches for kind "CircuitBreakerPolicy"' in result.stderr


def test_invalid_yaml_fails(kubectl: Kubectl, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n   namespace: default\n")
    result = kubectl.apply_dry_run(broken)
    assert result.returncode != 0
    assert "error parsing" in result.stderr
