"""Structural OpenAPI v3 schemas, as apiextensions.k8s.io/v1 CustomResourceDefinitions
require them, and their conversion to a JSON Schema a validator can run.

`structural_problems` follows the Kubernetes documentation, "Extend the Kubernetes API
with CustomResourceDefinitions", section "Specifying a structural schema". A structural
schema:

1. gives a non-empty `type` to the root, to every field of an object node (`properties`,
   `additionalProperties`) and to every array item (`items`), except for a node with
   `x-kubernetes-int-or-string: true` or `x-kubernetes-preserve-unknown-fields: true`;
2. for every field and item specified inside `allOf`, `anyOf`, `oneOf` or `not`, also
   specifies it outside those junctors;
3. sets no `description`, `type`, `default`, `additionalProperties` or `nullable` inside
   `allOf`, `anyOf`, `oneOf` or `not`, except the two forms that go with
   `x-kubernetes-int-or-string: true` (`anyOf: [{type: integer}, {type: string}]`, possibly
   inside an `allOf`);
4. restricts `metadata` (at the root) to `metadata.name` and `metadata.generateName` only.

And what apiextensions.k8s.io/v1 validation refuses besides (same page, and the
CustomResourceDefinition API reference): `additionalProperties` together with
`properties`; `additionalProperties: false`; `uniqueItems: true`; `$ref`, `$schema`, `id`,
`definitions`, `dependencies`, `patternProperties`, `additionalItems`; an array without
`items` or with a list of them; a `type` other than the six OpenAPI types; an unknown
`format`; `x-kubernetes-int-or-string` together with a `type`.

Two further rules are ours, not the API server's, and are marked so: `required` names
only properties the node declares (a misspelt required field would make every object
invalid), and `enum` values have the node's type.
"""

from __future__ import annotations

import copy
from typing import Any

TYPES = {"object", "array", "string", "integer", "number", "boolean"}
JUNCTORS = ("allOf", "anyOf", "oneOf", "not")
FORBIDDEN_IN_JUNCTORS = ("description", "type", "default", "additionalProperties", "nullable")
FORBIDDEN_KEYWORDS = ("$ref", "$schema", "id", "definitions", "dependencies", "patternProperties", "additionalItems")
# The formats apiextensions-apiserver knows (k8s.io/kube-openapi strfmt default registry).
KNOWN_FORMATS = {
    "bsonobjectid", "uri", "email", "hostname", "ipv4", "ipv6", "cidr", "mac", "uuid", "uuid3", "uuid4",
    "uuid5", "isbn", "isbn10", "isbn13", "creditcard", "ssn", "hexcolor", "rgbcolor", "byte", "password",
    "date", "duration", "datetime", "date-time", "int32", "int64", "float", "double",
}
INT_OR_STRING_ANY_OF = [{"type": "integer"}, {"type": "string"}]
METADATA_ALLOWED = {"name", "generateName"}


def structural_problems(schema: Any) -> list[str]:
    """Every way `schema` (an openAPIV3Schema) is not structural; empty when it is."""
    problems: list[str] = []
    if not isinstance(schema, dict):
        return ["<root>: a schema must be a mapping"]
    if schema.get("type") != "object":
        problems.append("<root>: type must be object")
    _check_node(schema, "<root>", problems, in_junctor=False, needs_type=True)
    metadata = (schema.get("properties") or {}).get("metadata")
    if metadata is not None:
        _check_metadata(metadata, problems)
    return problems


def _is_int_or_string(node: dict) -> bool:
    return node.get("x-kubernetes-int-or-string") is True


def _is_int_or_string_junctor(node: dict, key: str, value: Any) -> bool:
    """The two junctor forms allowed with x-kubernetes-int-or-string."""
    if not _is_int_or_string(node):
        return False
    if key == "anyOf":
        return value == INT_OR_STRING_ANY_OF
    if key == "allOf" and isinstance(value, list) and value:
        first = value[0]
        return isinstance(first, dict) and first.get("anyOf") == INT_OR_STRING_ANY_OF and set(first) == {"anyOf"}
    return False


def _check_node(node: Any, path: str, problems: list[str], *, in_junctor: bool, needs_type: bool) -> None:
    if not isinstance(node, dict):
        problems.append(f"{path}: a schema must be a mapping")
        return
    for keyword in FORBIDDEN_KEYWORDS:
        if keyword in node:
            problems.append(f"{path}: {keyword} is not allowed")
    if node.get("uniqueItems") is True:
        problems.append(f"{path}: uniqueItems: true is not allowed")

    int_or_string = _is_int_or_string(node)
    preserve = node.get("x-kubernetes-preserve-unknown-fields") is True
    node_type = node.get("type")
    if in_junctor:
        for keyword in FORBIDDEN_IN_JUNCTORS:
            if keyword in node:
                problems.append(f"{path}: {keyword} is not allowed inside allOf, anyOf, oneOf or not")
    else:
        if node_type is not None and node_type not in TYPES:
            problems.append(f"{path}: type {node_type!r} is not one of {sorted(TYPES)}")
        if needs_type and not node_type and not int_or_string and not preserve:
            problems.append(f"{path}: type must be set (or x-kubernetes-int-or-string / x-kubernetes-preserve-unknown-fields)")
        if int_or_string and node_type:
            problems.append(f"{path}: x-kubernetes-int-or-string: true must not have a type")

    fmt = node.get("format")
    if fmt is not None and fmt not in KNOWN_FORMATS:
        problems.append(f"{path}: unknown format {fmt!r}")

    properties = node.get("properties")
    additional = node.get("additionalProperties")
    if properties is not None and additional is not None:
        problems.append(f"{path}: properties and additionalProperties are mutually exclusive")
    if additional is False:
        problems.append(f"{path}: additionalProperties: false is not allowed")
    if properties is not None:
        if not isinstance(properties, dict):
            problems.append(f"{path}: properties must be a mapping")
        else:
            for name, child in properties.items():
                _check_node(child, f"{path}.{name}", problems, in_junctor=in_junctor, needs_type=not in_junctor)
    if isinstance(additional, dict):
        _check_node(additional, f"{path}[*]", problems, in_junctor=in_junctor, needs_type=not in_junctor)

    items = node.get("items")
    if node_type == "array" and items is None and not in_junctor:
        problems.append(f"{path}: an array must have items")
    if isinstance(items, list):
        problems.append(f"{path}: items must be one schema, not a list")
    elif items is not None:
        _check_node(items, f"{path}[]", problems, in_junctor=in_junctor, needs_type=not in_junctor)

    for junctor in JUNCTORS:
        if junctor not in node:
            continue
        value = node[junctor]
        if _is_int_or_string_junctor(node, junctor, value):
            continue
        branches = [value] if junctor == "not" else value
        if not isinstance(branches, list):
            problems.append(f"{path}: {junctor} must be a list")
            continue
        for index, branch in enumerate(branches):
            where = f"{path}.{junctor}" + ("" if junctor == "not" else f"[{index}]")
            _check_node(branch, where, problems, in_junctor=True, needs_type=False)
            _check_specified_outside(node, branch, where, problems)

    # Ours: required names declared properties; enum values have the node's type.
    required = node.get("required")
    if required is not None and not in_junctor:
        declared = set((properties or {}).keys()) if isinstance(properties, dict) else set()
        for name in required:
            if name not in declared and not preserve:
                problems.append(f"{path}: required {name!r} is not among its properties (ours)")
    enum = node.get("enum")
    if enum is not None and node_type in ("string", "integer", "boolean"):
        expected = {"string": str, "integer": int, "boolean": bool}[node_type]
        for value in enum:
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                problems.append(f"{path}: enum value {value!r} is not of type {node_type} (ours)")


def _check_specified_outside(node: dict, branch: Any, where: str, problems: list[str]) -> None:
    """Rule 2: a field or item a junctor branch specifies is specified outside it too."""
    if not isinstance(branch, dict):
        return
    outside_properties = node.get("properties") or {}
    for name, child in (branch.get("properties") or {}).items():
        if name not in outside_properties:
            problems.append(f"{where}.{name}: specified inside a junctor but not outside it")
        else:
            _check_specified_outside(outside_properties[name], child, f"{where}.{name}", problems)
    if "items" in branch:
        if "items" not in node:
            problems.append(f"{where}[]: items specified inside a junctor but not outside it")
        else:
            _check_specified_outside(node["items"], branch["items"], f"{where}[]", problems)
    if isinstance(branch.get("additionalProperties"), dict) and "additionalProperties" not in node:
        problems.append(f"{where}[*]: additionalProperties specified inside a junctor but not outside it")


def _check_metadata(metadata: Any, problems: list[str]) -> None:
    """Rule 4: at the root, metadata may only restrict name and generateName."""
    if not isinstance(metadata, dict):
        return
    allowed_keys = {"type", "properties", "description"}
    for key in metadata:
        if key not in allowed_keys:
            problems.append(f"<root>.metadata: only restrictions of name and generateName are allowed ({key} is not)")
    if metadata.get("type") not in (None, "object"):
        problems.append("<root>.metadata: type must be object")
    for name in (metadata.get("properties") or {}):
        if name not in METADATA_ALLOWED:
            problems.append(f"<root>.metadata.{name}: only name and generateName may be specified")


def to_json_schema(schema: dict) -> dict:
    """The JSON Schema (draft 4 vocabulary) that validates objects as the API server would
    with strict field validation (kubectl's default since 1.27) and as Meridian's loader
    does: unknown fields refused where the schema lists properties. `x-kubernetes-int-or-
    string` becomes `type: [integer, string]`; `nullable` adds `null`; the x-kubernetes-*
    and `format` keywords are left for the validator to ignore."""
    converted = copy.deepcopy(schema)
    _convert(converted)
    return converted


def _convert(node: Any) -> None:
    if not isinstance(node, dict):
        return
    if _is_int_or_string(node):
        node.pop("anyOf", None)
        node["type"] = ["integer", "string"]
    if node.get("nullable") is True and isinstance(node.get("type"), str):
        node["type"] = [node["type"], "null"]
    if (
        node.get("type") == "object"
        and "properties" in node
        and "additionalProperties" not in node
        and node.get("x-kubernetes-preserve-unknown-fields") is not True
    ):
        node["additionalProperties"] = False
    for child in (node.get("properties") or {}).values():
        _convert(child)
    if isinstance(node.get("additionalProperties"), dict):
        _convert(node["additionalProperties"])
    if isinstance(node.get("items"), dict):
        _convert(node["items"])
    for junctor in ("allOf", "anyOf", "oneOf"):
        for branch in node.get(junctor) or []:
            _convert(branch)
    if isinstance(node.get("not"), dict):
        _convert(node["not"])
