"""One place that finds shipped data, whether run from a checkout or an installed wheel."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def asset_path(*parts: str) -> Path:
    """Path of a file under ``assets/`` (e.g. ``asset_path("maps", "india.graphml")``)."""
    root = resources.files("assets")
    return Path(str(root.joinpath(*parts)))


def default_map_path() -> Path:
    return asset_path("maps", "india.graphml")
