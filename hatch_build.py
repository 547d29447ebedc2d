"""Copy the portal's browser assets from node_modules into fleethub/web/static/vendor/.

Two callers, one list of files: hatchling runs `VendorAssets` on every wheel build (so
`pip install .` from a clean checkout yields a working portal), and the Makefile runs
`python hatch_build.py` during set-up. The assets come from the npm registry through
package.json and package-lock.json; `npm ci` runs when node_modules lacks them. None are
committed (fleethub/web/static/vendor/ is gitignored).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # run as a script by the Makefile, where hatchling may be absent
    BuildHookInterface = object  # type: ignore[assignment,misc]

ROOT = Path(__file__).resolve().parent
VENDOR = ROOT / "fleethub" / "web" / "static" / "vendor"
#: node_modules path → name under static/vendor/ (templates link the right-hand names).
ASSETS = {
    "htmx.org/dist/htmx.min.js": "htmx.min.js",
    "uplot/dist/uPlot.iife.min.js": "uPlot.iife.min.js",
    "uplot/dist/uPlot.min.css": "uPlot.min.css",
}


def copy_assets(root: Path = ROOT) -> list[Path]:
    """Copy every asset into static/vendor/ (running `npm ci` first if one is missing)."""
    modules = root / "node_modules"
    if not all((modules / source).is_file() for source in ASSETS):
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("the portal's assets need npm (Node.js) to install them")
        subprocess.run(  # noqa: S603 - a fixed command line, no user input
            [npm, "ci", "--no-audit", "--no-fund"], cwd=root, check=True
        )
    target = root / "fleethub" / "web" / "static" / "vendor"
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for source, name in ASSETS.items():
        shutil.copyfile(modules / source, target / name)
        copied.append(target / name)
    return copied


class VendorAssets(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        copy_assets(Path(self.root))


if __name__ == "__main__":
    for path in copy_assets():
        sys.stdout.write(f"{path.relative_to(ROOT)}\n")
