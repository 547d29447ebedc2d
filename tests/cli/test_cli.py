"""The CLI as operators and scripts use it: init, connection-string, sas-token, ca-path."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

from cryptography import x509
from typer.testing import CliRunner

from fleethub import datadir
from fleethub.cli import app
from fleethub.hub.auth import sas

runner = CliRunner()


def test_init_creates_ca_server_cert_and_policies(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = runner.invoke(app, ["init", "--data-dir", str(data), "--hostname", "hub.example"])
    assert result.exit_code == 0, result.output
    ca = x509.load_pem_x509_certificate((data / "tls" / "ca.pem").read_bytes())
    server = x509.load_pem_x509_certificate((data / "tls" / "server.pem").read_bytes())
    assert server.issuer == ca.subject
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {"localhost", "hub.example"} <= set(names.get_values_for_type(x509.DNSName))
    assert "127.0.0.1" in {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}
    hub = json.loads((data / "hub.json").read_text())
    assert {p["keyName"] for p in hub["policies"]} == {
        "iothubowner",
        "service",
        "registryRead",
        "registryReadWrite",
        "device",
    }
    assert stat.S_IMODE((data / "hub.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((data / "tls" / "ca-key.pem").stat().st_mode) == 0o600
    again = runner.invoke(app, ["init", "--data-dir", str(data)])
    assert "already initialised" in again.output
    assert json.loads((data / "hub.json").read_text()) == hub


def test_connection_string_is_the_last_line(tmp_path: Path) -> None:
    runner.invoke(app, ["init", "--data-dir", str(tmp_path)])
    result = runner.invoke(
        app, ["connection-string", "--data-dir", str(tmp_path), "--policy", "service"]
    )
    assert result.exit_code == 0
    last = result.output.strip().splitlines()[-1]
    key = next(
        p["primaryKey"]
        for p in json.loads((tmp_path / "hub.json").read_text())["policies"]
        if p["keyName"] == "service"
    )
    assert last == f"HostName=localhost:8443;SharedAccessKeyName=service;SharedAccessKey={key}"
    port = runner.invoke(
        app, ["connection-string", "--data-dir", str(tmp_path)], env={"FLEETHUB_HTTPS_PORT": "443"}
    )
    assert port.output.strip().splitlines()[-1].startswith("HostName=localhost;")


def test_sas_token_is_signed_with_the_policy_key_for_the_hours_asked(tmp_path: Path) -> None:
    runner.invoke(app, ["init", "--data-dir", str(tmp_path)])
    result = runner.invoke(app, ["sas-token", "--data-dir", str(tmp_path), "--hours", "48"])
    assert result.exit_code == 0, result.output

    token = sas.parse(result.output.strip().splitlines()[-1])
    assert token.skn == "registryRead"  # read-only unless asked otherwise
    assert token.sr == "localhost"  # the whole hub
    assert abs(token.se - (time.time() + 48 * 3600)) < 60
    key = datadir.load(tmp_path).policy("registryRead").primary_key
    sas.verify(token, [key], time.time())  # raises unless the signature holds
    other = runner.invoke(app, ["sas-token", "--data-dir", str(tmp_path), "--policy", "nope"])
    assert other.exit_code == 1
    assert "registryRead" in other.output  # the policies there are


def test_unknown_policy_and_uninitialised_dir(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["ca-path", "--data-dir", str(tmp_path / "none")])
    assert missing.exit_code == 1
    runner.invoke(app, ["init", "--data-dir", str(tmp_path)])
    bad = runner.invoke(app, ["connection-string", "--data-dir", str(tmp_path), "--policy", "x"])
    assert bad.exit_code == 1
    assert "iothubowner" in bad.output


def test_ca_path(tmp_path: Path) -> None:
    runner.invoke(app, ["init", "--data-dir", str(tmp_path)])
    result = runner.invoke(app, ["ca-path", "--data-dir", str(tmp_path)])
    path = Path(result.output.strip().splitlines()[-1])
    assert path == (tmp_path / "tls" / "ca.pem").resolve()
    assert path.read_text().startswith("-----BEGIN CERTIFICATE-----")
