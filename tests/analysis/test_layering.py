"""analysis and reports stay free of the web stack, so the CLI, a worker or a notebook can use
them without the app (see the design's import rules)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_analysis_and_reports_import_without_flask_or_sqlalchemy():
    code = (
        "import sys, pkgutil, importlib\n"
        "import analysis, reports\n"
        "for pkg in (analysis, reports):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in "
        "{'flask', 'sqlalchemy', 'monitor', 'surveys', 'flask_sqlalchemy'})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == ""
