"""The demo follows the product's own rules rather than copies of them, and its modules import one
way: scale scores as surveys.scoring computes them (reverse-coded matrices included), and no
import cycle between the demo's modules (none dodged by importing inside a function either)."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

import monitor.demo.fieldwork as demo_fieldwork
from monitor.analytic_dataset import build_dataset
from monitor.demo import build_demo, outcome_frame
from monitor.extensions import db
from surveys.library import load_instrument
from surveys.models import Survey

DEMO = Path(demo_fieldwork.__file__).parent
SEED = 2012


def _module(path: Path) -> str:
    return "monitor.demo" if path.name == "__init__.py" else f"monitor.demo.{path.stem}"


def _demo_imports(path: Path) -> list[tuple[str, bool]]:
    """The demo modules ``path`` imports, anywhere in it, and whether at its top level."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    names = {_module(p) for p in DEMO.glob("*.py")}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        for target in targets:
            if target in names and target != _module(path):
                found.append((target, id(node) in top))
    return found


def test_demo_modules_import_one_way():
    graph = {_module(p): _demo_imports(p) for p in DEMO.glob("*.py")}
    hidden = {m: [t for t, at_top in edges if not at_top] for m, edges in graph.items()}
    assert not any(hidden.values()), f"demo modules imported inside a function or an if: {hidden}"

    def cycle_from(start: str, path: tuple[str, ...]) -> tuple[str, ...] | None:
        for target, _ in graph.get(start, []):
            if target in path:
                return (*path, target)
            found = cycle_from(target, (*path, target))
            if found:
                return found
        return None

    cycles = [c for c in (cycle_from(module, (module,)) for module in graph) if c]
    assert not cycles, f"import cycles between the demo's modules: {cycles}"


def _with_reversed_satisfaction(instrument: str):
    """The library instrument, with the person follow-up's satisfaction matrix reverse-coded as a
    whole (the flag on the matrix question rather than on a row)."""
    survey = load_instrument(instrument)
    if instrument == "person_followup":
        matrix = survey.question("satisfaction")
        assert matrix is not None
        matrix.reverse = True
    return survey


def test_demo_scores_a_reverse_coded_matrix_as_the_product_does(app, tmp_path, monkeypatch):
    app.config["DEMO_LINKS_PATH"] = str(tmp_path / "demo-links.csv")
    plain = outcome_frame("small", SEED)
    monkeypatch.setattr(demo_fieldwork, "load_instrument", _with_reversed_satisfaction)
    build_demo(size="small", seed=SEED)
    reversed_frame = outcome_frame("small", SEED)

    # The product scores the answers in the database as the demo says it does...
    survey_id = db.session.scalar(select(Survey.id).where(Survey.instrument == "person_followup"))
    data = build_dataset(survey_id).responses.set_index("invitation_id")
    answered = reversed_frame[reversed_frame["responded"]].set_index("invitation_id")
    assert len(answered) > 50
    product = data.loc[answered.index, "satisfaction_score"].to_numpy(dtype=float)
    demo = answered["satisfaction_score"].to_numpy(dtype=float)
    assert np.array_equal(np.isnan(product), np.isnan(demo))
    assert np.allclose(product[~np.isnan(product)], demo[~np.isnan(demo)])
    # ...and the truth does not depend on which way the instrument codes its items.
    assert np.allclose(reversed_frame["satisfaction_score"], plain["satisfaction_score"], equal_nan=True)
    assert reversed_frame["who5_score"].equals(plain["who5_score"])


@pytest.mark.parametrize("module", sorted(_module(p) for p in DEMO.glob("*.py")))
def test_each_demo_module_imports_first_in_a_fresh_interpreter(module):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
