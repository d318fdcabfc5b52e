"""Shared fixtures of the deploy/kubernetes checks: the manifests, our CRDs, the API
discovery stand-in with a kubeconfig for kubectl, and the meridian and envoy binaries.

Run from the repository root:

    .venv/bin/python -m pytest -q Tests/DeployManifests
"""

from __future__ import annotations

import copy
import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from api_standin import APIStandIn, kubeconfig

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy" / "kubernetes"
EXAMPLE = DEPLOY / "example"
SEEDS = REPO_ROOT / "Tests" / "Fixtures" / "seed-manifests"
CRDS_FILE = DEPLOY / "01-crds.yaml"
TIMEOUT = 30  # seconds, for every subprocess

# The Kubernetes version whose OpenAPI schemas the built-in kinds are checked against
# (the kubectl here is v1.32).
KUBERNETES_VERSION = "1.32.0"


def manifest_files() -> list[Path]:
    """Every manifest: deploy/kubernetes/*.yaml, then the example's."""
    return sorted(DEPLOY.glob("*.yaml")) + sorted(EXAMPLE.glob("*.yaml"))


def documents(path: Path) -> list[dict]:
    """The non-empty YAML documents of a file (PyYAML reads YAML 1.1, as Kubernetes does);
    a fresh copy each time, so a test may change what it gets."""
    return copy.deepcopy(_parsed(str(path)))


@functools.lru_cache(maxsize=None)
def _parsed(path: str) -> list[dict]:
    with open(path) as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc]


def crds() -> list[dict]:
    return documents(CRDS_FILE)


def by_kind(kind: str, paths: list[Path] | None = None) -> list[dict]:
    return [doc for path in (paths or manifest_files()) for doc in documents(path) if doc.get("kind") == kind]


def one(kind: str, name: str, paths: list[Path] | None = None) -> dict:
    found = [doc for doc in by_kind(kind, paths) if doc["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, **kwargs)


@dataclass
class Kubectl:
    """kubectl pointed at the stand-in through a generated kubeconfig; a private cache
    and HOME, and no proxy variables (127.0.0.1 must not go through a proxy)."""

    binary: str
    kubeconfig: Path
    cache: Path
    env: dict

    def apply_dry_run(self, *targets: Path | str) -> subprocess.CompletedProcess:
        command = [self.binary, "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.cache),
                   "apply", "--dry-run=client", "--validate=false"]
        for target in targets:
            command += ["-f", str(target)]
        return run(command, env=self.env)


@pytest.fixture(scope="session")
def standin():
    server = APIStandIn.with_crds(crds())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def kubectl(standin, tmp_path_factory) -> Kubectl:
    binary = shutil.which("kubectl")
    assert binary, "kubectl is not on PATH (scripts/setup installs Debian's kubernetes-client)"
    home = tmp_path_factory.mktemp("kubectl-home")
    config = home / "kubeconfig"
    config.write_text(kubeconfig(standin.url))
    env = {key: value for key, value in os.environ.items()
           if key.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "kubeconfig")}
    env["HOME"] = str(home)
    return Kubectl(binary, config, home / "cache", env)


@pytest.fixture(scope="session")
def meridian() -> Path:
    """The meridian binary: $MERIDIAN_BINARY, else the debug build (scripts/test builds it first)."""
    path = Path(os.environ.get("MERIDIAN_BINARY", REPO_ROOT / ".build" / "debug" / "meridian"))
    assert path.is_file() and os.access(path, os.X_OK), f"{path} is missing: build first (swift build --product meridian)"
    return path


@pytest.fixture(scope="session")
def envoy() -> Path:
    path = Path(os.environ.get("ENVOY_BINARY", REPO_ROOT / ".venv" / "bin" / "envoy"))
    assert path.is_file(), f"{path} is missing: run scripts/setup"
    return path
