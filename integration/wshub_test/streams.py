"""RFC 6455 frames over asyncio streams: the server's frames read one at a
time from a StreamReader (a connection upgraded by churn.raw_upgrade, say),
so that many long-lived clients can run concurrently in one thread."""

import asyncio

from wshub_test import T
from wshub_test.frames import OP_CLOSE, check_server_frame, parse_frame


class FrameStream:
    """The server frames arriving on `reader`, each checked to be a
    well-formed server frame (unmasked, no RSV bit)."""

    def __init__(self, reader):
        self.reader = reader
        # Received bytes not parsed yet are self._in[self._at:].
        self._in = bytearray()
        self._at = 0

    async def next(self, timeout=T):
        """The next frame, or None at EOF (the bytes of an unfinished frame
        then stay unread). Raises asyncio.TimeoutError when no frame is
        complete within `timeout` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            parsed = parse_frame(self._in, self._at)
            if parsed is not None:
                frame, self._at = parsed
                check_server_frame(frame)
                return frame
            if self._at:
                del self._in[:self._at]
                self._at = 0
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise asyncio.TimeoutError(f"no complete frame within {timeout}s")
            data = await asyncio.wait_for(self.reader.read(65536), remaining)
            if not data:
                return None
            self._in += data

    async def next_close(self, timeout=T):
        """Skips frames up to the server's close frame and returns it, or
        None if the connection ends without one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self.next(max(0.0, deadline - loop.time()))
            if frame is None or frame.opcode == OP_CLOSE:
                return frame
