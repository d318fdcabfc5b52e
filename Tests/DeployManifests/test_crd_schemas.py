"""Our CustomResourceDefinitions (deploy/kubernetes/01-crds.yaml): their shape, that their
schemas are structural, that every seed document of their kinds passes them, and that
they agree with Meridian's loader: what one refuses the other refuses, with the known
exceptions listed (and checked) below.

The seed documents are read from Tests/Fixtures/seed-manifests, the repository's copies."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Callable

import jsonschema
import pytest
import yaml

from conftest import SEEDS, crds, documents, run
from structural import structural_problems, to_json_schema

GROUP = "kgateway.dev"
VERSION = "v1alpha1"


def seed_documents() -> list[tuple[str, dict]]:
    return [(f"{path.name}#{index}-{doc['kind']}", doc)
            for path in sorted(SEEDS.glob("*.yaml")) for index, doc in enumerate(documents(path))
            if doc.get("apiVersion") == f"{GROUP}/{VERSION}"]


def crd_for(kind: str) -> dict:
    found = [crd for crd in crds() if crd["spec"]["names"]["kind"] == kind]
    assert len(found) == 1, f"no CRD (or several) for {kind}"
    return found[0]


def schema_of(crd: dict) -> dict:
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def validator_for(kind: str) -> jsonschema.Draft4Validator:
    schema = to_json_schema(schema_of(crd_for(kind)))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def crd_errors(doc: dict) -> list[str]:
    return [f"{'.'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator_for(doc["kind"]).iter_errors(doc)]


def plural(kind: str) -> str:
    """Meridian's ReadKind.resource(of:) (Sources/MeridianLoad/ReadKinds.swift): lower case;
    a consonant and y -> ies; s -> ses; else s. The plural the CRD declares must be this
    one, or Meridian's list requests find nothing."""
    lower = kind.lower()
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        return lower[:-1] + "ies"
    if lower.endswith("s"):
        return lower + "es"
    return lower + "s"


# -- shape --

def test_one_crd_per_seed_kind():
    seed_kinds = {doc["kind"] for _, doc in seed_documents()}
    assert seed_kinds == {"RetryPolicy", "CircuitBreakerPolicy", "RateLimitPolicy", "ConnectionPoolSettings", "GatewayClassConfig"}
    assert sorted(crd["spec"]["names"]["kind"] for crd in crds()) == sorted(seed_kinds)


@pytest.mark.parametrize("crd", crds(), ids=lambda crd: crd["metadata"]["name"])
def test_crd_shape(crd: dict):
    spec = crd["spec"]
    names = spec["names"]
    assert spec["group"] == GROUP
    assert names["plural"] == plural(names["kind"]), "names.plural must be what Meridian requests"
    assert crd["metadata"]["name"] == f"{names['plural']}.{GROUP}"
    assert names["listKind"] == names["kind"] + "List"
    # GatewayClassConfig is cluster-scoped (a GatewayClass's parametersRef names it without
    # a namespace; GatewayClassConfigSpec.isNamespaced = false); the others are namespaced.
    assert spec["scope"] == ("Cluster" if names["kind"] == "GatewayClassConfig" else "Namespaced")
    assert len(spec["versions"]) == 1
    version = spec["versions"][0]
    assert (version["name"], version["served"], version["storage"]) == (VERSION, True, True)
    # Meridian writes every one of these kinds' status (policy ancestors).
    assert version["subresources"] == {"status": {}}
    properties = schema_of(crd)["properties"]
    assert schema_of(crd)["required"] == ["spec"]
    assert "ancestors" in properties["status"]["properties"]


@pytest.mark.parametrize("crd", crds(), ids=lambda crd: crd["metadata"]["name"])
def test_crd_schema_is_structural(crd: dict):
    assert structural_problems(schema_of(crd)) == []


@pytest.mark.parametrize("crd", crds(), ids=lambda crd: crd["metadata"]["name"])
def test_no_unknown_fields_are_preserved(crd: dict):
    """Meridian refuses unknown fields; the API server must not keep them either."""
    assert "x-kubernetes-preserve-unknown-fields" not in yaml.safe_dump(schema_of(crd))


BROKEN_SCHEMAS = [
    ("no type", {"type": "object", "properties": {"spec": {"properties": {}}}}, "<root>.spec: type must be set"),
    ("root not an object", {"type": "string"}, "<root>: type must be object"),
    ("item without type", {"type": "object", "properties": {"a": {"type": "array", "items": {"minLength": 1}}}}, "<root>.a[]: type must be set"),
    ("array without items", {"type": "object", "properties": {"a": {"type": "array"}}}, "an array must have items"),
    ("properties and additionalProperties", {"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {"type": "string"}}, "additionalProperties": {"type": "string"}}}}, "mutually exclusive"),
    ("additionalProperties false", {"type": "object", "properties": {"a": {"type": "object", "additionalProperties": False}}}, "additionalProperties: false"),
    ("type in a junctor", {"type": "object", "properties": {"a": {"type": "string", "anyOf": [{"type": "string"}]}}}, "type is not allowed inside"),
    ("description in a junctor", {"type": "object", "properties": {"a": {"type": "string", "oneOf": [{"description": "x", "pattern": "a"}]}}}, "description is not allowed inside"),
    ("field only in a junctor", {"type": "object", "properties": {"a": {"type": "object", "anyOf": [{"properties": {"b": {"minLength": 1}}}]}}}, "specified inside a junctor but not outside"),
    ("metadata beyond name", {"type": "object", "properties": {"metadata": {"type": "object", "properties": {"labels": {"type": "object"}}}}}, "only name and generateName"),
    ("$ref", {"type": "object", "properties": {"a": {"$ref": "#/x"}}}, "$ref is not allowed"),
    ("uniqueItems", {"type": "object", "properties": {"a": {"type": "array", "uniqueItems": True, "items": {"type": "string"}}}}, "uniqueItems"),
    ("unknown format", {"type": "object", "properties": {"a": {"type": "string", "format": "int128"}}}, "unknown format"),
    ("int-or-string with a type", {"type": "object", "properties": {"a": {"type": "string", "x-kubernetes-int-or-string": True}}}, "must not have a type"),
    ("misspelt required", {"type": "object", "required": ["sepc"], "properties": {"spec": {"type": "object"}}}, "required 'sepc'"),
]


@pytest.mark.parametrize("schema, problem", [(s, p) for _, s, p in BROKEN_SCHEMAS], ids=[n for n, _, _ in BROKEN_SCHEMAS])
def test_structural_check_finds(schema: dict, problem: str):
    problems = structural_problems(schema)
    assert any(problem in found for found in problems), problems


def test_structural_check_accepts_the_exceptions():
    """int-or-string (both junctor forms) and preserve-unknown-fields nodes need no type."""
    schema = {"type": "object", "properties": {
        "q": {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}], "pattern": "^[0-9]+$"},
        "r": {"x-kubernetes-int-or-string": True, "allOf": [{"anyOf": [{"type": "integer"}, {"type": "string"}]}, {"pattern": "^[0-9]+$"}]},
        "free": {"x-kubernetes-preserve-unknown-fields": True},
        "metadata": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 63}}},
    }}
    assert structural_problems(schema) == []


# -- the seed documents --

@pytest.mark.parametrize("doc", [doc for _, doc in seed_documents()], ids=[name for name, _ in seed_documents()])
def test_seed_document_passes_its_crd(doc: dict):
    assert crd_errors(doc) == []


def test_a_wrong_typed_field_in_a_seed_copy_fails():
    doc = copy.deepcopy(next(doc for _, doc in seed_documents() if doc["kind"] == "CircuitBreakerPolicy"))
    doc["spec"]["maxConnections"] = "1000"
    assert crd_errors(doc) == ["spec.maxConnections: '1000' is not of type 'integer'"]


# -- agreement with Meridian's loader --

def seed(kind: str) -> dict:
    return copy.deepcopy(next(doc for _, doc in seed_documents() if doc["kind"] == kind))


def setting(path: str, value) -> Callable[[dict], None]:
    """Sets (or with value DELETE removes) a dotted path; a number indexes a list."""
    def apply(doc: dict) -> None:
        *parents, last = [int(step) if step.isdigit() else step for step in path.split(".")]
        node = doc
        for step in parents:
            node = node[step]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return apply


DELETE = object()
SEVENTEEN_TARGETS = [{"kind": "Service", "name": f"s{n}"} for n in range(17)]

# (kind, change, the field path Meridian reports)
REFUSED_BY_BOTH = [
    ("CircuitBreakerPolicy", setting("spec.maxEjectionPercent", 150), "spec.maxEjectionPercent"),
    ("CircuitBreakerPolicy", setting("spec.interval", "10sec"), "spec.interval"),
    ("CircuitBreakerPolicy", setting("spec.interval", "123456s"), "spec.interval"),
    ("CircuitBreakerPolicy", setting("spec.maxConnections", "1000"), "spec.maxConnections"),
    ("CircuitBreakerPolicy", setting("spec.maxConnections", 0), "spec.maxConnections"),
    ("CircuitBreakerPolicy", setting("spec.maxRequests", 4294967296), "spec.maxRequests"),
    ("CircuitBreakerPolicy", setting("spec.maxConnectionz", 5), "spec.maxConnectionz"),
    ("CircuitBreakerPolicy", setting("spec.targetRefs", []), "spec.targetRefs"),
    ("CircuitBreakerPolicy", setting("spec.targetRefs", SEVENTEEN_TARGETS), "spec.targetRefs"),
    ("CircuitBreakerPolicy", setting("spec.targetRefs.0.name", DELETE), "spec.targetRefs[0].name"),
    ("CircuitBreakerPolicy", setting("spec.targetRefs.0.kind", "Ser vice"), "spec.targetRefs[0].kind"),
    ("CircuitBreakerPolicy", setting("spec.targetRefs.0.name", "Upper"), "spec.targetRefs[0].name"),
    ("CircuitBreakerPolicy", setting("spec", DELETE), "spec"),
    ("CircuitBreakerPolicy", setting("extra", 1), "extra"),
    ("RetryPolicy", setting("spec.retryOn.1", "bogus"), "spec.retryOn[1]"),
    ("RetryPolicy", setting("spec.numRetries", -1), "spec.numRetries"),
    ("RetryPolicy", setting("spec.perTryTimeout", 30), "spec.perTryTimeout"),
    ("RetryPolicy", setting("spec.retryBackOff.baseInterval", "1d"), "spec.retryBackOff.baseInterval"),
    ("RetryPolicy", setting("spec.retryBackOff.jitter", "10ms"), "spec.retryBackOff.jitter"),
    ("RateLimitPolicy", setting("spec.descriptors.0.limit.unit", "WEEK"), "spec.descriptors[0].limit.unit"),
    ("RateLimitPolicy", setting("spec.local.tokenBucket.maxTokens", 0), "spec.local.tokenBucket.maxTokens"),
    ("RateLimitPolicy", setting("spec.local.tokenBucket.fillInterval", DELETE), "spec.local.tokenBucket.fillInterval"),
    ("RateLimitPolicy", setting("spec.descriptors.0.entries.0.key", "x tenant"), "spec.descriptors[0].entries[0].key"),
    ("RateLimitPolicy", setting("spec.descriptors.0.entries", []), "spec.descriptors[0].entries"),
    ("RateLimitPolicy", setting("spec.descriptors.0.limit.requestsPerUnit", 0), "spec.descriptors[0].limit.requestsPerUnit"),
    ("ConnectionPoolSettings", setting("spec.http.h2UpgradePolicy", "ALWAYS"), "spec.http.h2UpgradePolicy"),
    ("ConnectionPoolSettings", setting("spec.tcp.maxConnections", 0), "spec.tcp.maxConnections"),
    ("ConnectionPoolSettings", setting("spec.http.maxRetries", -1), "spec.http.maxRetries"),
    ("ConnectionPoolSettings", setting("spec.tcp.connectTimeout", "ten seconds"), "spec.tcp.connectTimeout"),
    ("GatewayClassConfig", setting("spec.proxy.replicas", -1), "spec.proxy.replicas"),
    ("GatewayClassConfig", setting("spec.proxy.resources.requests.memory", "2 Gi"), "spec.proxy.resources.requests[memory]"),
    ("GatewayClassConfig", setting("spec.connectionSettings.idleTimeout", "1d"), "spec.connectionSettings.idleTimeout"),
    ("GatewayClassConfig", setting("spec.proxy.image", "envoy"), "spec.proxy.image"),
]

# What the CRDs cannot say without CEL and Meridian still refuses (reported in the policy's
# status): duration minimums and rules across fields. The README lists them.
REFUSED_BY_MERIDIAN_ONLY = [
    ("RetryPolicy", setting("spec.perTryTimeout", "0s"), "spec.perTryTimeout"),
    ("RetryPolicy", setting("spec.retryBackOff.baseInterval", "0ms"), "spec.retryBackOff.baseInterval"),
    ("RetryPolicy", setting("spec.retryBackOff.maxInterval", "10ms"), "spec.retryBackOff.maxInterval"),
    ("RateLimitPolicy", setting("spec.local.tokenBucket.fillInterval", "10ms"), "spec.local.tokenBucket.fillInterval"),
    ("RateLimitPolicy", lambda doc: (doc["spec"].pop("local"), doc["spec"].pop("descriptors")), "spec.local"),
]

# What Meridian reads and the API server refuses: a quantity written as a bare decimal
# number (x-kubernetes-int-or-string takes integers and strings only, as for every
# resource.Quantity in a CRD). Quote it: "1.5".
REFUSED_BY_CRD_ONLY = [
    ("GatewayClassConfig", setting("spec.proxy.resources.requests.cpu", 1.5), "spec.proxy.resources.requests[cpu]"),
]


def crd_refuses_at(doc: dict, field: str) -> bool:
    """Whether the CRD schema refuses `doc` at Meridian's field path (`spec.a[0].b`, `m[key]`):
    an error at that path, or at its parent naming the field (missing or unknown)."""
    dotted = field.replace("[", ".").replace("]", "")
    parent, _, last = dotted.rpartition(".")
    for error in validator_for(doc["kind"]).iter_errors(doc):
        path = ".".join(map(str, error.absolute_path))
        if path == dotted or (path == parent and repr(last) in error.message):
            return True
    return False


def meridian_errors(meridian: Path, doc: dict, directory: Path) -> tuple[int, str]:
    path = directory / "policy.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    result = run([str(meridian), "validate", "--config", path.name], cwd=directory)
    return result.returncode, result.stdout + result.stderr


def meridian_reports(output: str, field: str) -> bool:
    return re.search(rf"^policy\.yaml:\d+:\d+: {re.escape(field)}: ", output, re.MULTILINE) is not None


@pytest.mark.parametrize("kind", ["RetryPolicy", "CircuitBreakerPolicy", "RateLimitPolicy", "ConnectionPoolSettings", "GatewayClassConfig"])
def test_meridian_accepts_the_unchanged_seed(meridian: Path, tmp_path: Path, kind: str):
    code, output = meridian_errors(meridian, seed(kind), tmp_path)
    assert code == 0, output


@pytest.mark.parametrize("kind, change, field", REFUSED_BY_BOTH, ids=[f"{k}-{f}-{i}" for i, (k, _, f) in enumerate(REFUSED_BY_BOTH)])
def test_refused_by_both(meridian: Path, tmp_path: Path, kind: str, change, field: str):
    doc = seed(kind)
    change(doc)
    assert crd_refuses_at(doc, field), crd_errors(doc) or "the CRD schema accepted it"
    code, output = meridian_errors(meridian, doc, tmp_path)
    assert code == 1 and meridian_reports(output, field), output


@pytest.mark.parametrize("kind, change, field", REFUSED_BY_MERIDIAN_ONLY, ids=[f for _, _, f in REFUSED_BY_MERIDIAN_ONLY])
def test_refused_by_meridian_only(meridian: Path, tmp_path: Path, kind: str, change, field: str):
    doc = seed(kind)
    change(doc)
    assert crd_errors(doc) == []
    code, output = meridian_errors(meridian, doc, tmp_path)
    assert code == 1 and meridian_reports(output, field), output


@pytest.mark.parametrize("kind, change, field", REFUSED_BY_CRD_ONLY, ids=["bare-decimal-quantity"])
def test_refused_by_the_crd_only(meridian: Path, tmp_path: Path, kind: str, change, field: str):
    doc = seed(kind)
    change(doc)
    assert crd_refuses_at(doc, field), crd_errors(doc)
    code, output = meridian_errors(meridian, doc, tmp_path)
    assert code == 0, output
