"""A TCP load balancer for cluster tests, as HAProxy in `mode tcp` would be in production:
each new connection goes to the first node in `order` that accepts it, and bytes are copied
both ways until either side closes. It runs its own event loop in a thread."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter


class Balancer:
    def __init__(self, host: str, port: int, backends: list[tuple[str, int]]) -> None:
        self.host = host
        self.port = port
        self.backends = backends
        self.order = list(range(len(backends)))
        self.routed: Counter[int] = Counter()
        self._open: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    def start(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        future.result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._route, self.host, self.port)

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._open):
                writer.close()
            await self._server.wait_closed()

    async def _route(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for index in list(self.order):
            try:
                upstream = await asyncio.open_connection(*self.backends[index])
            except OSError:
                continue  # that node is down: try the next
            self.routed[index] += 1
            up_reader, up_writer = upstream
            self._open.update((writer, up_writer))
            try:
                await asyncio.gather(_copy(reader, up_writer), _copy(up_reader, writer))
            finally:
                self._open.difference_update((writer, up_writer))
            return
        writer.close()


async def _copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.close()
