"""BlobStorage: data-dir folders and URLs, chunked reads, and errors that hide SAS tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from fleethub.hub.errors import RemoteUnreachable
from fleethub.remote.blobs import BlobStorage
from fleethub.remote.client import describe, origin, trust


async def lines(*items: bytes) -> AsyncIterator[bytes]:
    for item in items:
        yield item


async def test_a_failed_write_leaves_no_partial_file(tmp_path: Path) -> None:
    blobs = BlobStorage(tmp_path, httpx.AsyncClient())

    async def failing() -> AsyncIterator[bytes]:
        yield b"one\n"
        raise RuntimeError("source broke")

    await blobs.write("c", "x.txt", lines(b"old\n"))
    with pytest.raises(RuntimeError):
        await blobs.write("c", "x.txt", failing())
    folder = tmp_path / "blobs" / "c"
    assert [p.name for p in folder.iterdir()] == ["x.txt"]
    assert (folder / "x.txt").read_bytes() == b"old\n"


async def test_url_reads_split_lines_across_chunks(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/c/devices.txt"
        assert request.url.query == b"sig=x"
        return httpx.Response(200, content=lines(b'{"id":"a"}\n{"id"', b':"b"}\n{"id":"c"}'))

    blobs = BlobStorage(tmp_path, httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    got = [line async for line in blobs.read("https://acct/c?sig=x", "devices.txt")]
    assert got == [b'{"id":"a"}\n', b'{"id":"b"}\n', b'{"id":"c"}']


async def test_url_read_failures(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    blobs = BlobStorage(tmp_path, httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    with pytest.raises(RemoteUnreachable) as caught:
        [line async for line in blobs.read("https://acct/c?sig=SECRET", "d.txt")]
    assert (
        caught.value.message == "Could not read https://acct/c/d.txt: connection failed: refused."
    )


def test_helpers_never_show_query_strings() -> None:
    assert origin("https://a.b:444/c/d?sig=1&se=2") == "https://a.b:444/c/d"
    request = httpx.Request("GET", "https://a/b?sig=SECRET")
    error = httpx.RemoteProtocolError("bad thing at https://a/b?sig=SECRET", request=request)
    assert "SECRET" not in describe(error)


def test_trust_keeps_verification_on(tmp_path: Path) -> None:
    context = trust(None)
    assert context.check_hostname
    assert context.verify_mode.name == "CERT_REQUIRED"
