"""A source asset's attributes as one `dg.AssetSpec`, so a caller can override them before the asset is built.

The asset factories (`shared_reports`, `profitability`) describe their asset as a spec, pass it through the
caller's override (the Component's `translation`, key prefix and group; identity otherwise) and build the
asset from the result: the key, group, description, metadata, tags, kinds, owners, deps and automation
condition a user sets are the asset's own, and everything that refers to the asset (checks, jobs, lineage)
uses the key it ends up with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dagster as dg

SpecOverride = Callable[[dg.AssetSpec], dg.AssetSpec]
"""Returns the spec to build an asset from, given the default one."""


def unchanged(spec: dg.AssetSpec) -> dg.AssetSpec:
    return spec


def asset_arguments(spec: dg.AssetSpec) -> dict[str, Any]:
    """The `@dg.asset` arguments that make an asset with `spec`'s attributes (kinds travel as their tags)."""
    return {
        "key": spec.key,
        "description": spec.description,
        "group_name": spec.group_name,
        "metadata": dict(spec.metadata),
        "tags": dict(spec.tags),
        "owners": list(spec.owners),
        "deps": list(spec.deps),
        "automation_condition": spec.automation_condition,
        "code_version": spec.code_version,
    }
