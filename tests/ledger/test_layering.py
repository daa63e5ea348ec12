import ast
from pathlib import Path

from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parents[2]


class LayeringTests(SimpleTestCase):
    def test_bases_never_imports_reporting(self):
        offenders = []
        for path in (ROOT / "bases").rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                offenders += [f"{path.relative_to(ROOT)}: {name}" for name in names
                              if name == "reporting" or name.startswith("reporting.")]
        self.assertEqual(offenders, [])
