"""A fake Toggl Track API on loopback with a deterministic generated workspace (for tests and the demo)."""

from .faults import ApiError, Fault, FaultPlan
from .reports import ReportDefinition
from .server import EmulatorConfig, TogglEmulator
from .workspace import Organization, TimeEntry, Workspace

__all__ = ["ApiError", "EmulatorConfig", "Fault", "FaultPlan", "Organization", "ReportDefinition",
           "TimeEntry", "TogglEmulator", "Workspace"]
