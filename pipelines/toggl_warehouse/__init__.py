"""toggl-warehouse: Toggl Track in a Postgres warehouse, as a Dagster integration.

`toggl_warehouse.TogglWarehouseComponent` is the Component a `defs.yaml` names; it is imported when first
asked for, so importing the package (or `toggl_warehouse.settings`, the CLI...) loads nothing else and changes
nothing: no environment, no warning filters, no definitions built.
"""

__all__ = ["TogglWarehouseComponent"]


def __getattr__(name: str):
    if name == "TogglWarehouseComponent":
        from toggl_warehouse.component import TogglWarehouseComponent

        return TogglWarehouseComponent
    raise AttributeError(f"module 'toggl_warehouse' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
