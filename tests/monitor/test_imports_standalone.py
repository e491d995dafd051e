"""Each entry point imports on its own in a fresh interpreter: an import cycle shows up only
when a module is the first one imported, which the test suite (importing everything up front)
would never see."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


ENTRY_POINTS = ["monitor", "monitor.errors", "monitor.web", "monitor.cli", "monitor.demo",
                "monitor.accounts", "monitor.auth.views", "monitor.fieldwork.respondent",
                "monitor.registry", "surveys.designer.views"]


@pytest.mark.parametrize("module", ENTRY_POINTS)
def test_the_module_imports_first(module):
    result = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
