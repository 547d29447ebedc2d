"""X.509 devices with the real SDK: self-signed (thumbprint) and CA-signed (registered CA)."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.iot.device import X509, IoTHubDeviceClient
from azure.iot.device.exceptions import ClientError, CredentialError
from azure.iot.hub import IoTHubRegistryManager
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.sdk.conftest import Served, free_loopback, start_server, stop_server

pytestmark = pytest.mark.sdk


def make_cert(
    folder: Path, name: str, issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    *, ca: bool = False,
) -> tuple[Path, Path, x509.Certificate, ec.EllipticCurvePrivateKey]:  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    signer_cert, signer_key = issuer if issuer else (None, key)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(signer_cert.subject if signer_cert else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(signer_key, hashes.SHA256())
    )
    cert_file, key_file = folder / f"{name}.pem", folder / f"{name}-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file, cert, key


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("certs")
    _, _, ca_cert, ca_key = make_cert(folder, "device-ca", None, ca=True)
    return {
        "folder": folder,
        "self": make_cert(folder, "x509-self", None),
        "signed": make_cert(folder, "x509-signed", (ca_cert, ca_key)),
        "stranger": make_cert(folder, "x509-stranger", None),
    }


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, certs: dict[str, object]) -> Iterator[Served]:
    data = tmp_path_factory.mktemp("x509hub")
    host = free_loopback()
    fleethub = [sys.executable, "-m", "fleethub"]
    subprocess.run([*fleethub, "init", "--data-dir", str(data), "--hostname", host], check=True)
    ca_file = Path(str(certs["folder"])) / "device-ca.pem"
    subprocess.run(
        [*fleethub, "device-ca", "add", str(ca_file), "--data-dir", str(data)], check=True
    )
    server = start_server(data, "--host", host, ports=("443", "8883"), host=host)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_path))
        yield server
    assert stop_server(server) == 0


def thumbprint(cert: x509.Certificate) -> str:
    der = cert.public_bytes(serialization.Encoding.DER)
    return hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()


def client(hub: Served, device_id: str, cert_file: Path, key_file: Path) -> IoTHubDeviceClient:
    return IoTHubDeviceClient.create_from_x509_certificate(
        x509=X509(str(cert_file), str(key_file)),
        hostname=hub.host,
        device_id=device_id,
        server_verification_cert=hub.ca_path.read_text(),
    )


def test_self_signed_thumbprint(hub: Served, certs: dict[str, object]) -> None:
    cert_file, key_file, cert, _ = certs["self"]  # type: ignore[misc]
    manager = IoTHubRegistryManager.from_connection_string(hub.service_connection_string())
    manager.create_device_with_x509("x509-self", thumbprint(cert), None, "enabled")
    device = client(hub, "x509-self", cert_file, key_file)
    device.connect()
    device.send_message("signed by myself")
    device.patch_twin_reported_properties({"auth": "x509"})
    device.shutdown()
    assert manager.get_twin("x509-self").properties.reported["auth"] == "x509"


def test_wrong_certificate_is_refused(hub: Served, certs: dict[str, object]) -> None:
    _, _, cert, _ = certs["self"]  # type: ignore[misc]
    stranger_file, stranger_key, _, _ = certs["stranger"]  # type: ignore[misc]
    manager = IoTHubRegistryManager.from_connection_string(hub.service_connection_string())
    manager.create_device_with_x509("x509-victim", thumbprint(cert), None, "enabled")
    device = client(hub, "x509-victim", stranger_file, stranger_key)
    with pytest.raises((CredentialError, ClientError)):
        device.connect()
    device.shutdown()


def test_ca_signed_device(hub: Served, certs: dict[str, object]) -> None:
    cert_file, key_file, _, _ = certs["signed"]  # type: ignore[misc]
    manager = IoTHubRegistryManager.from_connection_string(hub.service_connection_string())
    manager.create_device_with_certificate_authority("x509-signed", "enabled")
    device = client(hub, "x509-signed", cert_file, key_file)
    device.connect()
    device.send_message("signed by a registered CA")
    device.shutdown()
    # A self-signed certificate with the right common name is not enough.
    manager.create_device_with_certificate_authority("x509-stranger", "enabled")
    stranger_file, stranger_key, _, _ = certs["stranger"]  # type: ignore[misc]
    impostor = client(hub, "x509-stranger", stranger_file, stranger_key)
    with pytest.raises((CredentialError, ClientError)):
        impostor.connect()
    impostor.shutdown()
