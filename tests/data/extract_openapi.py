"""Regenerate the conformance data in this folder from Stripe's OpenAPI files (not in the repo).

    python tests/data/extract_openapi.py /path/to/stripe-openapi

Writes ``fixtures.json`` (Stripe's example object per v1 type, from ``fixtures3.json``),
``v1_schemas.json`` (v1 2024-04-10 spec) and ``v2_schemas.json`` (v2 spec) as plain JSON Schema
(``$defs``; OpenAPI ``nullable`` becomes ``anyOf [..., null]``; descriptions dropped; references
deeper than ``MAX_DEPTH`` from a root become ``{}``, i.e. unchecked).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
V1_TYPES = [
    "customer", "billing.meter", "billing.meter_event", "billing.meter_event_summary",
    "billing.meter_event_adjustment", "billing.alert", "billing.alert_triggered", "event", "webhook_endpoint",
]  # fmt: skip
V2_ROOTS = [
    "v2.billing.meter_event", "v2.billing.meter_event_adjustment", "v2.billing.meter_event_session",
    "v2.core.event", "v2.core.event_destination", "v2.core.event_destination.ping", "v2.error",
    "v2.deleted_object", "v1.billing.meter.error_report_triggered", "v1.billing.meter.no_meter_found",
    # the stream endpoint is not in the v2 spec file, its error schema is
    "v2.error.billing_meter_event_session_expired",
]  # fmt: skip
# Fields the v2 spec file (2025-12) types as plain optional strings but Stripe's newer API reference
# (docs.stripe.com/api/v2/core/events/object) lists as nullable: the fake sends them with null.
NEWER_NULLABLE = {"v2.core.event": ["context"]}
KEEP = {"type", "properties", "required", "items", "anyOf", "oneOf", "allOf", "enum", "additionalProperties"}
MAX_DEPTH = 2


def convert(node: Any, schemas: dict[str, Any], out: dict[str, Any], depth: int) -> Any:
    if isinstance(node, list):
        return [convert(item, schemas, out, depth) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if depth >= MAX_DEPTH:
            return {}
        if name not in out:
            out[name] = {}  # placeholder against cycles
            out[name] = convert(schemas[name], schemas, out, depth + 1)
        return {"$ref": f"#/$defs/{name}"}
    converted: dict[str, Any] = {}
    for key, value in node.items():
        if key not in KEEP:
            continue
        if key == "properties":
            converted[key] = {k: convert(v, schemas, out, depth) for k, v in value.items()}
        elif key == "additionalProperties" and isinstance(value, dict):
            converted[key] = convert(value, schemas, out, depth)
        else:
            converted[key] = convert(value, schemas, out, depth)
    if node.get("nullable"):
        converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


def extract(schemas: dict[str, Any], roots: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for root in roots:
        if root in schemas and root not in out:
            out[root] = {}
            out[root] = convert(schemas[root], schemas, out, 0)
    return out


def v2_error_schemas(spec: dict[str, Any]) -> list[str]:
    """The ``v2.error.<code>`` schemas the billing and core event endpoints declare."""
    names: set[str] = set()
    for path, operations in spec["paths"].items():
        if path.startswith(("/v2/billing", "/v2/core/event")):
            names.update(re.findall(r"#/components/schemas/(v2\.error\.[\w.]+)", json.dumps(operations)))
    return sorted(names)


def v2_responses(spec: dict[str, Any]) -> dict[str, Any]:
    """The 200 response schema of each billing/core-event operation, named ``"<METHOD> <path>"``."""
    found: dict[str, Any] = {}
    for path, operations in spec["paths"].items():
        if path.startswith(("/v2/billing", "/v2/core/event")):
            for method, operation in operations.items():
                schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
                found[f"{method.upper()} {path}"] = schema
    return found


def main(source: Path) -> None:
    fixtures = json.loads((source / "fixtures3.json").read_text())["resources"]
    examples = {t: fixtures[t] for t in V1_TYPES}
    (HERE / "fixtures.json").write_text(json.dumps(examples, indent=1, sort_keys=True))
    v1_spec = json.loads((source / "v1-2024-04-10-opensdks" / "stripe.oas.json").read_text())
    v1 = v1_spec["components"]["schemas"]
    (HERE / "v1_schemas.json").write_text(
        json.dumps({"$defs": extract(v1, [*V1_TYPES, "error"])}, sort_keys=True)
    )
    v2_spec = json.loads((source / "spec3.v2.sdk.json").read_text())
    for name, fields in NEWER_NULLABLE.items():
        for field in fields:
            v2_spec["components"]["schemas"][name]["properties"][field]["nullable"] = True
    roots = V2_ROOTS + v2_error_schemas(v2_spec)
    responses = v2_responses(v2_spec)
    v2 = extract({**v2_spec["components"]["schemas"], **responses}, roots + sorted(responses))
    (HERE / "v2_schemas.json").write_text(json.dumps({"$defs": v2}, sort_keys=True))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/stripe-openapi"))
