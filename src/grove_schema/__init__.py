"""grove-schema: replay, lint and split Cloudflare D1 migration streams.

The public API is imported lazily so that `import grove_schema` (and the CLI) stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Schema": "grove_schema.model",
    "Table": "grove_schema.model",
    "Column": "grove_schema.model",
    "ForeignKey": "grove_schema.model",
    "Index": "grove_schema.model",
    "View": "grove_schema.model",
    "Trigger": "grove_schema.model",
    "VirtualTable": "grove_schema.model",
    "Finding": "grove_schema.findings",
    "Severity": "grove_schema.findings",
    "Location": "grove_schema.findings",
    "load_config": "grove_schema.config",
    "ProjectConfig": "grove_schema.config",
    "replay_stream": "grove_schema.replay",
    "Replayer": "grove_schema.replay",
    "ReplayOptions": "grove_schema.replay",
    "StreamReplay": "grove_schema.replay",
    "check_project": "grove_schema.project",
    "ProjectReplay": "grove_schema.project",
    "discover_stream": "grove_schema.discovery",
}

__all__ = [
    "Column",
    "Finding",
    "ForeignKey",
    "Index",
    "Location",
    "ProjectConfig",
    "ProjectReplay",
    "ReplayOptions",
    "Replayer",
    "Schema",
    "Severity",
    "StreamReplay",
    "Table",
    "Trigger",
    "View",
    "VirtualTable",
    "__version__",
    "check_project",
    "discover_stream",
    "load_config",
    "replay_stream",
]

if TYPE_CHECKING:
    from grove_schema.config import ProjectConfig, load_config
    from grove_schema.discovery import discover_stream
    from grove_schema.findings import Finding, Location, Severity
    from grove_schema.model import Column, ForeignKey, Index, Schema, Table, Trigger, View, VirtualTable
    from grove_schema.project import ProjectReplay, check_project
    from grove_schema.replay import Replayer, ReplayOptions, StreamReplay, replay_stream


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'grove_schema' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module_name), name)
