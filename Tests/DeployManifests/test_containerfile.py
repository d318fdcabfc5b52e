"""deploy/kubernetes/Containerfile cannot be built here (no container engine); what can be
checked is that its runtime stage installs every shared library the meridian binary
links (Swift's own libraries aside: the image links them statically), and that it agrees
with scripts/setup and the Deployment."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import DEPLOY, REPO_ROOT, one, run

CONTAINERFILE = DEPLOY / "Containerfile"
# Always in debian:bookworm-slim (Essential or required by them).
BASE_IMAGE_PACKAGES = {"libc6", "libgcc-s1"}


def stages() -> list[str]:
    """The Containerfile's stages, each from its FROM line."""
    text = CONTAINERFILE.read_text()
    return ["FROM" + part for part in re.split(r"^FROM", text, flags=re.MULTILINE)[1:]]


def apt_packages(stage: str) -> set[str]:
    """The packages a stage's `apt-get install` names (line continuations joined)."""
    joined = stage.replace("\\\n", " ")
    packages: set[str] = set()
    for line in joined.splitlines():
        if "apt-get install" in line:
            command = line.split("apt-get install", 1)[1].split("&&")[0]
            packages |= {word for word in command.split() if not word.startswith("-")}
    return packages


def linked_libraries(binary: Path) -> list[Path]:
    result = run(["ldd", str(binary)])
    assert result.returncode == 0, result.stderr
    paths = re.findall(r"=> (/\S+)", result.stdout)
    assert paths, result.stdout
    return [Path(p) for p in paths]


def packages_of(libraries: list[Path]) -> set[str]:
    """The Debian packages holding the libraries (one dpkg -S for all of them)."""
    wanted = {str(library.resolve()): library for library in libraries}
    result = run(["dpkg", "-S", *wanted])
    found: dict[str, str] = {}
    for line in result.stdout.splitlines():
        package, _, path = line.partition(": ")
        found[path] = package.split(":")[0]
    missing = [path for path in wanted if path not in found]
    # /lib is a symbolic link to /usr/lib on bookworm: dpkg may know either spelling.
    for path in missing:
        alternative = path.removeprefix("/usr") if path.startswith("/usr/lib/") else "/usr" + path
        retry = run(["dpkg", "-S", alternative])
        assert retry.returncode == 0, f"{path}: no package has it"
        found[path] = retry.stdout.split(":", 1)[0]
    return set(found.values())


def depends(package: str) -> set[str]:
    result = run(["dpkg-query", "-W", "-f=${Depends}", package])
    assert result.returncode == 0, result.stderr
    return {re.split(r"[\s(:]", alternative.strip())[0] for alternative in re.split(r"[,|]", result.stdout) if alternative.strip()}


def test_two_stages():
    build, runtime = stages()
    assert build.startswith("FROM swift:6.3-bookworm AS build")
    assert runtime.startswith("FROM debian:bookworm-slim")
    assert "swift build -c release --product meridian --static-swift-stdlib" in build


def test_runtime_installs_every_library_meridian_links(meridian: Path):
    _, runtime = stages()
    installed = apt_packages(runtime)
    provided = installed | BASE_IMAGE_PACKAGES | {d for p in installed for d in depends(p)}
    toolchain = [p for p in linked_libraries(meridian) if "/swift/" in str(p)]
    assert toolchain, "expected the Swift runtime among the debug build's libraries"
    needed = packages_of([p for p in linked_libraries(meridian) if "/swift/" not in str(p)])
    assert {"libgrpc29", "libprotobuf-c1", "libyaml-0-2", "libssl3", "libre2-9"} <= needed
    assert needed - provided == set()


def test_build_packages_are_the_ones_setup_installs():
    build, _ = stages()
    setup = (REPO_ROOT / "scripts" / "setup").read_text()
    listed = set(re.findall(r"^\s+([a-z0-9][a-z0-9.+-]+)\s+#", setup, flags=re.MULTILINE))
    assert apt_packages(build) and apt_packages(build) <= listed


def test_deployment_runs_the_image():
    _, runtime = stages()
    entrypoint = re.search(r'^ENTRYPOINT \["([^"]+)"\]', runtime, flags=re.MULTILINE).group(1)
    deployment = one("Deployment", "meridian", sorted(DEPLOY.glob("*.yaml")))
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "meridian:dev"
    assert container["command"] == [entrypoint]
    user = re.search(r"^USER (\d+):(\d+)", runtime, flags=re.MULTILINE)
    pod = deployment["spec"]["template"]["spec"]["securityContext"]
    assert (pod["runAsUser"], pod["runAsGroup"]) == (int(user.group(1)), int(user.group(2)))
