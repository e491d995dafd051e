"""``surveys`` holds the instruments only: it may use the app's database handle, the access
decorators, the audit record and the clock, and nothing of the registry or of fieldwork (see the
design's import rules). Fieldwork builds on the instruments, never the other way round."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: What of ``monitor`` the instruments may import.
ALLOWED = {"monitor.extensions", "monitor.auth.access", "monitor.audit", "monitor.clock"}


def _monitor_imports(path: Path) -> set[str]:
    """Every ``monitor...`` module ``path`` imports, at module level or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from monitor import audit`` imports the module monitor.audit.
            names = [f"{node.module}.{alias.name}" if node.module == "monitor" else node.module
                     for alias in node.names]
        else:
            continue
        found.update(n for n in names if n == "monitor" or n.startswith("monitor."))
    return found


def test_surveys_imports_only_what_the_design_allows():
    offending = {}
    for path in sorted((ROOT / "surveys").rglob("*.py")):
        bad = _monitor_imports(path) - ALLOWED
        if bad:
            offending[str(path.relative_to(ROOT))] = sorted(bad)
    assert offending == {}


def test_importing_every_surveys_module_loads_no_registry_or_fieldwork_code():
    code = (
        "import sys, pkgutil, importlib\n"
        "import surveys\n"
        "for m in pkgutil.walk_packages(surveys.__path__, 'surveys.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.startswith(('monitor.fieldwork', 'monitor.registry',"
        " 'monitor.demo', 'monitor.exposure', 'monitor.analytic_dataset')))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == ""


def test_the_check_sees_function_level_imports(tmp_path):
    # The rule must not be dodged by moving an import into a function.
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from monitor.fieldwork.models import Invitation\n"
                      "from monitor import audit, registry\n")
    assert _monitor_imports(module) == {"monitor.fieldwork.models", "monitor.audit", "monitor.registry"}
