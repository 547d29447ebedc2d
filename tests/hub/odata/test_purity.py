"""The OData library is a pure leaf (STYLE §7.1 rule 4): the standard library, lark and
itself only, no I/O."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import fleethub.hub.odata as odata

PACKAGE = Path(odata.__file__).parent
_IO = {"asyncio", "socket", "ssl", "io", "os", "pathlib", "subprocess", "threading"}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_odata_package_imports_only_the_standard_library_lark_and_itself() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        for module in _imports(path):
            top = module.partition(".")[0]
            if top == "fleethub":
                assert module.startswith("fleethub.hub.odata"), (path.name, module)
            elif top != "lark":
                assert top in sys.stdlib_module_names, (path.name, module)
                assert top not in _IO, (path.name, module)
