"""The Asterisk Manager Interface (AMI) over asyncio streams, without Django.

AMI is a line protocol: the server greets with one banner line ("Asterisk Call Manager/5.0"),
then both sides exchange messages of "Key: Value" lines ending with a blank line. An action
carries an ActionID; its response carries it back, and an action that lists things
(QueueStatus) answers "EventList: start" and then sends events with the same ActionID until
one saying "EventList: Complete". Every other event is the switchboard's news.
"""

import asyncio
import contextlib
import itertools

LINE_END = b"\r\n"
# A message longer than this is not one the switchboard sends: the connection is broken.
MAX_MESSAGE = 64 * 1024


class AMIError(Exception):
    """The switchboard answered an action with an error, or the connection broke."""


class LoginRefused(AMIError):
    """The switchboard refused the username and secret."""


def encode(message: dict) -> bytes:
    """A message as it goes on the wire; values cannot break a line."""
    lines = []
    for key, value in message.items():
        text = str(value).replace("\r", " ").replace("\n", " ")
        lines.append(f"{key}: {text}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def parse(block: str) -> dict:
    """A message from its "Key: Value" lines; a repeated key (ChanVariable) keeps its last value."""
    message = {}
    for line in block.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            message[key.strip()] = value.strip()
    return message


def read_log(text: str):
    """The messages of a captured AMI log (blocks separated by blank lines), for --replay."""
    block = []
    for line in text.splitlines():
        if line.strip():
            block.append(line)
        elif block:
            yield parse("\n".join(block))
            block = []
    if block:
        yield parse("\n".join(block))


def is_success(response: dict) -> bool:
    return response.get("Response", "").lower() in ("success", "goodbye", "follows")


class AMIClient:
    """One connection to one switchboard: actions awaited by their response, events handed to
    `on_event` (a plain function, called in the reading task; it must not block)."""

    def __init__(self, on_event, *, timeout: float = 10):
        self.on_event = on_event
        self.timeout = timeout
        self.reader = self.writer = None
        self.banner = ""
        self.pending: dict[str, asyncio.Future] = {}
        self.lists: dict[str, list] = {}
        self.ids = itertools.count(1)
        self.reading = None

    async def connect(self, host: str, port: int, username: str, secret: str) -> None:
        self.reader, self.writer = await asyncio.wait_for(asyncio.open_connection(host, port), self.timeout)
        banner = await asyncio.wait_for(self.reader.readline(), self.timeout)
        if not banner:
            raise AMIError("the switchboard closed the connection before its banner")
        self.banner = banner.decode(errors="replace").strip()
        self.reading = asyncio.create_task(self.read_forever())
        response = await self.send({"Action": "Login", "Username": username, "Secret": secret, "Events": "on"})
        if not is_success(response):
            await self.close()
            raise LoginRefused(response.get("Message", "login refused"))

    async def read_message(self) -> dict | None:
        lines = []
        size = 0
        while True:
            line = await self.reader.readline()
            if not line:
                return None
            size += len(line)
            if size > MAX_MESSAGE:
                raise AMIError("a message too long")
            if line in (b"\r\n", b"\n"):
                if lines:
                    return parse(b"".join(lines).decode(errors="replace"))
                continue
            lines.append(line)

    async def read_forever(self) -> None:
        try:
            while (message := await self.read_message()) is not None:
                self.dispatch(message)
        except (OSError, AMIError, asyncio.IncompleteReadError, ValueError):
            pass  # ValueError: a line longer than the reader's limit; the connection is broken
        finally:
            for future in self.pending.values():
                if not future.done():
                    future.set_exception(AMIError("connection lost"))
            self.pending.clear()

    def dispatch(self, message: dict) -> None:
        action_id = message.get("ActionID", "")
        if "Response" in message and action_id in self.pending:
            if message.get("EventList", "").lower() == "start":
                self.lists[action_id] = [message]
            else:
                self.finish(action_id, message)
            return
        if action_id in self.lists and "Event" in message:
            self.lists[action_id].append(message)
            if message.get("EventList", "").lower() == "complete":
                response = self.lists.pop(action_id)
                self.finish(action_id, response[0] | {"events": response[1:-1]})
            return
        if "Event" in message:
            self.on_event(message)

    def finish(self, action_id: str, response: dict) -> None:
        future = self.pending.pop(action_id, None)
        if future is not None and not future.done():
            future.set_result(response)

    async def send(self, action: dict) -> dict:
        """Send an action and return its response (with "events" for a list)."""
        if self.writer is None or (self.reading is not None and self.reading.done()):
            raise AMIError("not connected")
        action_id = str(next(self.ids))
        future = asyncio.get_running_loop().create_future()
        self.pending[action_id] = future
        self.writer.write(encode({**action, "ActionID": action_id}))
        await self.writer.drain()
        try:
            return await asyncio.wait_for(future, self.timeout)
        finally:
            self.pending.pop(action_id, None)
            self.lists.pop(action_id, None)

    @property
    def connected(self) -> bool:
        return self.reading is not None and not self.reading.done()

    async def wait_closed(self) -> None:
        if self.reading is not None:
            await asyncio.shield(self.reading)

    async def close(self) -> None:
        if self.reading is not None:
            self.reading.cancel()
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
