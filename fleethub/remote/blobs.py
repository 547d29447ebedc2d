"""Blobs for registry export and import: folders under `<data-dir>/blobs/`, or http(s) URLs.

A container is either a path (`backups`, `file:///<data-dir>/blobs/backups`) that must stay
inside `<data-dir>/blobs/` (never the data dir itself: it holds `hub.json` and the database),
or a URL to which the blob name is appended (`https://acct.blob.core.windows.net/c?<sas>` →
`.../c/devices.txt?<sas>`), written with PUT and read with GET. Exports hold keys, so files are
created mode 0600 and uploads are spooled under the data dir, never in /tmp.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from fleethub.hub.errors import ArgumentInvalid, RemoteUnreachable
from fleethub.remote.client import describe, origin

CHUNK = 64 * 1024
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class BlobStorage:
    def __init__(self, data_dir: Path, client: httpx.AsyncClient) -> None:
        self._root = (data_dir / "blobs").resolve()
        self._client = client

    def check(self, container: str, name: str) -> None:
        if _is_url(container):
            self._url(container, name)
        else:
            self._path(container, name)

    async def write(self, container: str, name: str, lines: AsyncIterator[bytes]) -> None:
        if not _is_url(container):
            await self._write_file(self._path(container, name), lines)
            return
        url = self._url(container, name)
        spool = self._spool()
        try:
            size = await self._write_file(spool, lines)
            await self._upload(url, spool, size)
        finally:
            spool.unlink(missing_ok=True)

    async def read(self, container: str, name: str) -> AsyncIterator[bytes]:
        if not _is_url(container):
            path = self._path(container, name)
            try:
                handle = path.open("rb")
            except OSError as error:
                raise RemoteUnreachable(f"Cannot read {path}: {error.strerror}.") from None
            with handle:
                for line in handle:
                    yield line
            return
        async for line in self._download(self._url(container, name)):
            yield line

    def _path(self, container: str, name: str) -> Path:
        text = container.removeprefix("file://")
        _check_name(name)
        if not text.strip():
            raise ArgumentInvalid("The blob container is empty.")
        if _SCHEME.match(text):
            raise ArgumentInvalid(
                f"'{origin(text)}' is neither an http(s) URL nor a folder under {self._root}."
            )
        base = Path(text)
        target = ((base if base.is_absolute() else self._root / base) / name).resolve()
        if not target.is_relative_to(self._root) or target == self._root:
            raise ArgumentInvalid(
                f"File blobs must stay inside {self._root}; '{text[:200]}/{name[:100]}' does not."
            )
        return target

    def _url(self, container: str, name: str) -> str:
        parts = urlsplit(container)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ArgumentInvalid(f"'{origin(container)}' is not an http(s) URL.")
        _check_name(name)
        path = parts.path.rstrip("/") + "/" + quote(name)
        return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))

    def _spool(self) -> Path:
        folder = self._root / ".spool"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{uuid.uuid4().hex}.tmp"

    @staticmethod
    async def _write_file(path: Path, lines: AsyncIterator[bytes]) -> int:
        """Write next to the target and rename, so a reader never sees half a blob."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        size = 0
        try:
            with os.fdopen(descriptor, "wb") as out:
                async for line in lines:
                    size += out.write(line)
            os.replace(partial, path)
        except BaseException:
            with contextlib.suppress(OSError):
                partial.unlink()
            raise
        return size

    async def _upload(self, url: str, spool: Path, size: int) -> None:
        async def body() -> AsyncIterator[bytes]:
            with spool.open("rb") as handle:
                while chunk := handle.read(CHUNK):
                    yield chunk

        headers = {
            "Content-Length": str(size),
            "Content-Type": "application/octet-stream",
            "x-ms-blob-type": "BlockBlob",  # Azure Blob Storage needs it; others ignore it
        }
        try:
            response = await self._client.put(url, content=body(), headers=headers)
        except httpx.HTTPError as error:
            raise RemoteUnreachable(
                f"Could not upload to {origin(url)}: {describe(error)}."
            ) from None
        if response.status_code not in (200, 201, 204):
            raise RemoteUnreachable(
                f"{origin(url)} refused the upload (HTTP {response.status_code})."
            )

    async def _download(self, url: str) -> AsyncIterator[bytes]:
        try:
            async with self._client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise RemoteUnreachable(
                        f"Could not read {origin(url)} (HTTP {response.status_code})."
                    )
                rest = b""
                async for chunk in response.aiter_bytes():
                    *lines, rest = (rest + chunk).split(b"\n")
                    for line in lines:
                        yield line + b"\n"
                if rest:
                    yield rest
        except httpx.HTTPError as error:
            raise RemoteUnreachable(f"Could not read {origin(url)}: {describe(error)}.") from None


def _is_url(container: str) -> bool:
    return container.lower().startswith(("http://", "https://"))


def _check_name(name: str) -> None:
    if not name or len(name) > 1024 or "\x00" in name:
        raise ArgumentInvalid("The blob name must be 1 to 1024 characters.")
