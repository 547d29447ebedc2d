"""`fleethub consumer-group add|list|remove` on a data dir's store (issue #8)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from fleethub.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["consumer-group", *args])
    return result.exit_code, result.output.strip().splitlines()


def test_add_list_remove(tmp_path: Path) -> None:
    data = str(tmp_path)
    runner.invoke(app, ["init", "--data-dir", data])

    code, added = run("add", "analytics", "--data-dir", data)
    assert code == 0
    assert added == ["Created consumer group analytics", "analytics"]
    assert run("add", "Analytics", "--data-dir", data)[1][0].startswith("Already there")
    code, listed = run("list", "--data-dir", data)
    assert [line.split()[0] for line in listed] == ["$Default", "analytics"]
    assert listed[0].endswith("built in")

    assert run("remove", "analytics", "--data-dir", data) == (
        0,
        ["Deleted consumer group analytics"],
    )
    assert [line.split()[0] for line in run("list", "--data-dir", data)[1]] == ["$Default"]


def test_errors_exit_1_with_the_reason(tmp_path: Path) -> None:
    data = str(tmp_path)
    code, output = run("remove", "nobody", "--data-dir", data)
    assert code == 1
    assert "does not exist" in output[-1]
    code, output = run("add", "not valid", "--data-dir", data)
    assert code == 1
    assert "not a valid consumer group name" in output[-1]
