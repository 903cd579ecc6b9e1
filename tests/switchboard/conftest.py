import asyncio
import contextlib
import datetime
import threading
import time

import pytest
from django.utils import timezone

from switchboard import connector
from switchboard.models import Switchboard
from tests.factories import AgentFactory, AssignmentFactory, LineFactory, ShiftFactory
from tests.switchboard.ami_server import FakeAsterisk

QUEUE = "cm1022-2"


class Clock:
    """The connector's time, which a test moves on instead of waiting hours."""

    def __init__(self):
        self.at = timezone.now()

    def __call__(self):
        return self.at

    def advance(self, **delta):
        self.at += datetime.timedelta(**delta)


class Running:
    """The fake Asterisk and the connector, in an event loop of their own thread."""

    def __init__(self, switchboard, clock):
        self.switchboard, self.clock = switchboard, clock
        self.server = FakeAsterisk()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.port = self.call(self.server.start())
        self.stop = self.call(self.make_event())
        self.connector = None
        self.task = None

    async def make_event(self):
        return asyncio.Event()

    def call(self, coroutine, timeout=10):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def start_connector(self, secret="s3cret"):
        target = connector.Target(self.switchboard.pk, "127.0.0.1", self.port, "trucban", secret)

        async def begin():
            self.connector = connector.Connector(target, self.stop, clock=self.clock)
            return asyncio.ensure_future(self.run_one())

        self.target = target
        self.task = self.call(begin())

    async def run_one(self):
        try:
            await self.connector.run()
        finally:
            await connector.sync_to_async(connector.connections.close_all, thread_sensitive=True)()

    def emit(self, **event):
        self.call(self.server.emit(event))

    def close(self):
        if self.task is not None:
            self.loop.call_soon_threadsafe(self.stop.set)
            waiting = asyncio.run_coroutine_threadsafe(asyncio.wait_for(asyncio.shield(self.task), 10), self.loop)
            with contextlib.suppress(Exception):  # the test has failed already and says why
                waiting.result(15)
        self.call(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def eventually(check, timeout=15.0, what="the condition"):
    """Wait until check() is true; the connector works in its own thread (slowly, on a loaded CI machine)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {timeout} s")


@pytest.fixture
def fast_connector(settings):
    settings.SWITCHBOARD_POLL_SECONDS = 0.1
    settings.SWITCHBOARD_PING_SECONDS = 0.5
    settings.SWITCHBOARD_RECONNECT_MAX_SECONDS = 0.2
    settings.CALLER_HASH_KEY = "test-key"


@pytest.fixture
def world(fast_connector):
    """Line 2 of 0290.1022 with its queue, three agents with extensions, a switchboard."""
    line = LineFactory(hotline__number="0290.1022", digit="2", queue=QUEUE, target_answer_seconds=20)
    agents = [
        AgentFactory(unit=line.unit, full_name=name, extension=extension, lines=[line])
        for name, extension in [("Nguyễn Văn An", "201"), ("Trần Thị Bình", "202"), ("Lê Văn Cường", "203")]
    ]
    switchboard = Switchboard.objects.create(hotline=line.hotline, ami_host="127.0.0.1", ami_username="trucban")
    return line, agents, switchboard


def shift_with(line, agents, start, hours=8):
    shift = ShiftFactory(line=line, start=start, end=start + datetime.timedelta(hours=hours))
    for agent in agents:
        AssignmentFactory(shift=shift, agent=agent)
    return shift


@pytest.fixture
def running(world):
    _line, _agents, switchboard = world
    clock = Clock()
    run = Running(switchboard, clock)
    yield run
    run.close()
