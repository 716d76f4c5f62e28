"""Helpers shared by tests: system tools that some tests need.

Outside CI a test whose tool is missing is skipped with a clear reason; in CI
(environment variable CI set) a missing tool is a failure, because .ci/run is
responsible for installing it.
"""
from __future__ import annotations

import os
import shutil

import pytest


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def require_tool(name: str) -> str:
    """Return the path of executable `name`, or skip (fail in CI) when missing."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (.ci/run installs it)"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)
    raise AssertionError("unreachable")
