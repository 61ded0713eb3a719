"""The test suite's own rule: a test that reads MIT-BIH gets it through the ``mitdb_dir`` fixture
(conftest then marks it ``realdata``), so none reads the database behind the marker's back."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
#: Calls that read the MIT-BIH records (directly or through the beat cache).
READERS = {
    "load_beats",
    "beat_table",
    "extract_record",
    "extract_all",
    "record_excerpt",
    "read_lead",
    "read_beat_annotations",
    "rdann",
    "rdrecord",
}


def _reads(node: ast.AST) -> set[str]:
    """Reader calls in ``node``, except those on records the test wrote itself (first argument
    ``tmp_path``) and those expected to fail before reading (inside ``pytest.raises``)."""
    names: set[str] = set()

    def visit(n: ast.AST) -> None:
        if isinstance(n, ast.With) and any(
            isinstance(i.context_expr, ast.Call)
            and getattr(i.context_expr.func, "attr", "") == "raises"
            for i in n.items
        ):
            return
        if isinstance(n, ast.Call):
            f = n.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            first = n.args[0] if n.args else None
            if name in READERS and not (isinstance(first, ast.Name) and first.id == "tmp_path"):
                names.add(name)
        for child in ast.iter_child_nodes(n):
            visit(child)

    visit(node)
    return names


def test_every_test_reading_mitdb_uses_the_mitdb_dir_fixture():
    offenders = []
    for path in sorted(TESTS.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        real = {"mitdb_dir"}
        for _ in range(3):  # fixtures built on fixtures that need the database
            for fn in functions:
                if any(a.arg in real for a in fn.args.args):
                    real.add(fn.name)
        for fn in functions:
            if not fn.name.startswith("test_") and fn.name not in real:
                continue
            reads = _reads(fn)
            if reads and not any(a.arg in real for a in fn.args.args):
                offenders.append(f"{path.name}::{fn.name} calls {sorted(reads)}")
    assert not offenders, f"tests reading MIT-BIH without the mitdb_dir fixture: {offenders}"
