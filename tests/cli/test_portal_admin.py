"""`fleethub init` prints the web portal administrator's first password once, keeping only
its argon2 hash in hub.json; `--portal-admin-password` sets a new one (issue #7)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from fleethub.cli import app
from fleethub.hub.auth.passwords import verify_password

runner = CliRunner()


def password_in(output: str) -> str:
    found = re.search(r"user admin, password (\S+) \(shown once", output)
    assert found is not None, output
    return found.group(1)


def test_init_prints_the_portal_password_once(tmp_path: Path) -> None:
    first = runner.invoke(app, ["init", "--data-dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    password = password_in(first.output)
    assert first.output.strip().splitlines()[-1].startswith("SharedAccessSignature ")
    stored = (tmp_path / "hub.json").read_text()
    portal = json.loads(stored)["portal"]
    assert password not in stored
    assert portal["adminPasswordHash"].startswith("$argon2id$")
    assert verify_password(portal["adminPasswordHash"], password)
    assert len(portal["sessionSecret"]) >= 32
    again = runner.invoke(app, ["init", "--data-dir", str(tmp_path)])
    assert "password" not in again.output


def test_a_new_password_replaces_the_old(tmp_path: Path) -> None:
    old = password_in(runner.invoke(app, ["init", "--data-dir", str(tmp_path)]).output)
    result = runner.invoke(app, ["init", "--data-dir", str(tmp_path), "--portal-admin-password"])
    new = password_in(result.output)
    portal = json.loads((tmp_path / "hub.json").read_text())["portal"]
    assert new != old
    assert verify_password(portal["adminPasswordHash"], new)
    assert not verify_password(portal["adminPasswordHash"], old)
