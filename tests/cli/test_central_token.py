"""`fleethub init` prints the first IoT Central administrator API token once, keeping only its
SHA-256 in hub.json; `--central-admin-token` mints a replacement (issue #4)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from typer.testing import CliRunner

from fleethub import datadir
from fleethub.cli import app

runner = CliRunner()


def minted(output: str) -> str:
    token = output.strip().splitlines()[-1]
    assert token.startswith("SharedAccessSignature sr=")
    return token


def secret_of(token: str) -> str:
    return token.split("sig=")[1].split("&")[0]


def test_init_prints_the_admin_token_once_and_keeps_only_its_hash(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "IoT Central API administrator token" in result.output
    token = minted(result.output)
    central = json.loads((tmp_path / "hub.json").read_text())["central"]
    assert token.startswith(f"SharedAccessSignature sr={central['appId']}&sig=")
    assert "&skn=fleethub-admin&se=" in token
    assert central["adminToken"]["sha256"] == hashlib.sha256(secret_of(token).encode()).hexdigest()
    assert secret_of(token) not in (tmp_path / "hub.json").read_text()
    again = runner.invoke(app, ["init", "--data-dir", str(tmp_path)])
    assert "SharedAccessSignature" not in again.output


def test_a_new_admin_token_on_request(tmp_path: Path) -> None:
    first = minted(runner.invoke(app, ["init", "--data-dir", str(tmp_path)]).output)
    before = datadir.load(tmp_path).central
    result = runner.invoke(app, ["init", "--data-dir", str(tmp_path), "--central-admin-token"])
    second = minted(result.output)
    after = datadir.load(tmp_path).central
    assert secret_of(second) != secret_of(first)
    assert before is not None
    assert after is not None
    assert after.app_id == before.app_id
    assert after.admin != before.admin


def test_a_data_dir_from_before_the_central_api_gets_one(tmp_path: Path) -> None:
    runner.invoke(app, ["init", "--data-dir", str(tmp_path)])
    body = json.loads((tmp_path / "hub.json").read_text())
    del body["central"]
    (tmp_path / "hub.json").write_text(json.dumps(body))
    assert datadir.load(tmp_path).central is None
    result = runner.invoke(app, ["init", "--data-dir", str(tmp_path)])
    minted(result.output)
    central = datadir.load(tmp_path).central
    assert central is not None
    assert central.admin is not None
