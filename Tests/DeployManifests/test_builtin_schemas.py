"""Every manifest of a built-in kind validates against the Kubernetes 1.32 OpenAPI schemas
(kubernetes-validate's bundled copy, strict: unknown fields are errors), offline. The
CustomResourceDefinitions are built-in objects too, checked here against the
apiextensions.k8s.io/v1 schema. Documents of the Gateway API's and our CRDs' kinds have
no schema in that bundle: test_example_is_valid_for_meridian and test_crd_schemas check
them."""

from __future__ import annotations

import copy

import kubernetes_validate
import pytest

from conftest import DEPLOY, KUBERNETES_VERSION, documents, manifest_files, one

# Groups whose kinds come from CRDs: not in the built-in schemas.
CRD_GROUPS = {"gateway.networking.k8s.io", "kgateway.dev"}


def group_of(doc: dict) -> str:
    return doc["apiVersion"].split("/")[0] if "/" in doc["apiVersion"] else ""


def all_documents() -> list[tuple[str, dict]]:
    return [(f"{path.relative_to(DEPLOY)}#{index}-{doc['kind']}", doc)
            for path in manifest_files() for index, doc in enumerate(documents(path))]


BUILT_IN = [(name, doc) for name, doc in all_documents() if group_of(doc) not in CRD_GROUPS]


def validate(doc: dict) -> str:
    return kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("doc", [doc for _, doc in BUILT_IN], ids=[name for name, _ in BUILT_IN])
def test_built_in_kind_matches_the_kubernetes_schema(doc: dict):
    assert validate(doc) == "1.32"


def test_every_document_is_checked_somewhere():
    """No document escapes: each is of a built-in kind with a bundled schema, or of a CRD group."""
    for name, doc in all_documents():
        if group_of(doc) in CRD_GROUPS:
            with pytest.raises(kubernetes_validate.SchemaNotFoundError):
                validate(doc)
        else:
            validate(doc)  # raises SchemaNotFoundError for a kind the bundle lacks


def test_a_wrong_type_fails():
    deployment = copy.deepcopy(one("Deployment", "meridian"))
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError) as error:
        validate(deployment)
    assert list(error.value.path) == ["spec", "replicas"]


def test_an_unknown_field_fails():
    deployment = copy.deepcopy(one("Deployment", "meridian"))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError) as error:
        validate(deployment)
    assert "readinesProbe" in error.value.message


def test_a_broken_crd_fails():
    crd = copy.deepcopy(documents(DEPLOY / "01-crds.yaml")[0])
    crd["spec"]["versions"][0]["servd"] = True
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(crd)
    crd = copy.deepcopy(documents(DEPLOY / "01-crds.yaml")[0])
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["type"] = 5
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(crd)
