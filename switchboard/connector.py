"""The long-running connector: one AMI connection per hotline, kept up with a heartbeat and
reconnected with backoff; it puts the agents on duty into their line's queue and hands the
switchboard's events to switchboard.events. The database is reached through sync_to_async."""

import asyncio
import collections
import contextlib
import datetime
import logging
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections
from django.utils import timezone

from switchboard import events, members
from switchboard.ami import AMIClient, AMIError, LoginRefused, is_success
from switchboard.models import Switchboard

logger = logging.getLogger(__name__)

# Events kept waiting for the database at most: a flood (a PBX replaying its day) cannot fill memory.
MAX_BACKLOG = 10_000
# A QueueAdd the switchboard refused ("Already there") is not tried again for this long.
REFUSED_PAUSE = datetime.timedelta(minutes=1)


def db(function):
    """A database function run from the event loop, in the one thread that holds the connection."""

    def call(*args, **kwargs):
        close_old_connections()
        return function(*args, **kwargs)

    return sync_to_async(call, thread_sensitive=True)


@dataclass
class Target:
    """Where one hotline's switchboard is reached."""

    switchboard_id: int
    host: str
    port: int
    username: str
    secret: str


def load(switchboard_id: int) -> Switchboard:
    return Switchboard.objects.select_related("hotline").get(pk=switchboard_id)


def handle(switchboard_id: int, batch: list[dict], now) -> int:
    return events.handle_events(load(switchboard_id), batch, now=now)


def plan(switchboard_id: int, now):
    switchboard = load(switchboard_id)
    return switchboard, members.plan(switchboard, now)


class Connector:
    def __init__(self, target: Target, stop: asyncio.Event, *, clock=timezone.now):
        self.target = target
        self.stop = stop
        self.clock = clock
        self.backlog = collections.deque(maxlen=MAX_BACKLOG)
        self.arrived = asyncio.Event()
        self.refused: dict[tuple[str, str], datetime.datetime] = {}
        self.actions = 0
        self.dropped = 0

    def on_event(self, event: dict) -> None:
        if event.get("Event") in events.KNOWN_EVENTS:
            if len(self.backlog) == MAX_BACKLOG:
                self.dropped += 1  # the oldest goes; the day's queue_log import still brings its calls
            self.backlog.append(event)
            self.arrived.set()

    async def run(self) -> None:
        """Connect, and connect again after any loss, until told to stop. A refused login ends it
        (LoginRefused): trying the same secret again only fills the switchboard's log."""
        first = min(1.0, settings.SWITCHBOARD_RECONNECT_MAX_SECONDS)
        backoff = first
        while not self.stop.is_set():
            try:
                await self.session()
                backoff = first
            except LoginRefused:
                await db(members.disconnected)(self.target.switchboard_id, "login refused")
                raise
            except (OSError, AMIError, TimeoutError, DatabaseError) as e:
                # The database restarting is waited out like the switchboard restarting.
                logger.warning("switchboard %s: %s", self.target.host, e or type(e).__name__)
                with contextlib.suppress(DatabaseError):
                    await db(members.disconnected)(self.target.switchboard_id, str(e) or type(e).__name__)
            if self.stop.is_set():
                break
            await self.sleep(backoff)
            backoff = min(backoff * 2, settings.SWITCHBOARD_RECONNECT_MAX_SECONDS)

    async def sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), seconds)

    async def session(self) -> None:
        client = AMIClient(self.on_event)
        target = self.target
        try:
            await client.connect(target.host, target.port, target.username, target.secret)
            logger.info("switchboard %s:%s connected (%s)", target.host, target.port, client.banner)
            await db(members.connected)(target.switchboard_id, self.clock())
            await self.reconcile(client)
            await self.serve(client)
        finally:
            await client.close()

    async def reconcile(self, client: AMIClient) -> None:
        """On connect: what the queues hold now replaces what was known, and the callers
        already waiting become waiting calls."""
        response = await client.send({"Action": "QueueStatus"})
        listed = response.get("events", [])
        now = self.clock()
        switchboard = await db(load)(self.target.switchboard_id)
        queue_members = [e for e in listed if e.get("Event") == "QueueMember"]
        await db(members.queue_status)(switchboard, queue_members, now)
        waiting = [
            {
                "Event": "QueueCallerJoin",
                "Queue": e.get("Queue", ""),
                "Uniqueid": e.get("Uniqueid", ""),
                "CallerIDNum": e.get("CallerIDNum", ""),
                "Timestamp": str(now.timestamp() - (events.number(e.get("Wait")) or 0)),
            }
            for e in listed
            if e.get("Event") == "QueueEntry"
        ]
        if waiting:
            await db(handle)(self.target.switchboard_id, waiting, now)

    async def serve(self, client: AMIClient) -> None:
        poll = settings.SWITCHBOARD_POLL_SECONDS
        ping_every = settings.SWITCHBOARD_PING_SECONDS
        loop = asyncio.get_running_loop()
        next_poll = next_ping = loop.time()
        while not self.stop.is_set():
            if not client.connected:
                raise AMIError("connection lost")
            await self.drain()
            if loop.time() >= next_poll:
                await self.follow_roster(client)
                await db(handle)(self.target.switchboard_id, [], self.clock())
                next_poll = loop.time() + poll
            if loop.time() >= next_ping:
                await client.send({"Action": "Ping"})
                await db(members.alive)(self.target.switchboard_id, self.clock())
                next_ping = loop.time() + ping_every
            self.arrived.clear()
            if self.backlog:
                continue
            wake = min(next_poll, next_ping) - loop.time()
            waiters = [asyncio.ensure_future(self.arrived.wait()), asyncio.ensure_future(self.stop.wait())]
            closed = asyncio.ensure_future(client.wait_closed())
            await asyncio.wait([*waiters, closed], timeout=max(wake, 0), return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
            if not closed.done():
                closed.cancel()

    async def drain(self) -> None:
        if self.dropped:
            logger.warning("switchboard: %s events dropped while the database was behind", self.dropped)
            self.dropped = 0
        while self.backlog:
            batch = []
            while self.backlog and len(batch) < 500:
                batch.append(self.backlog.popleft())
            try:
                await db(handle)(self.target.switchboard_id, batch, self.clock())
            except DatabaseError:
                raise
            except Exception:
                # A batch we cannot read must not stop the connector; the day's queue_log import
                # still brings its calls.
                logger.exception("switchboard: %s events could not be handled", len(batch))

    async def follow_roster(self, client: AMIClient) -> None:
        now = self.clock()
        switchboard, todo = await db(plan)(self.target.switchboard_id, now)
        for member in todo.add:
            key = (member.queue, member.interface)
            if key in self.refused and now - self.refused[key] < REFUSED_PAUSE:
                continue
            row = await db(members.record_added)(switchboard, member, now)
            response = await client.send(
                {
                    "Action": "QueueAdd",
                    "Queue": member.queue,
                    "Interface": member.interface,
                    "MemberName": member.member_name,
                    "Paused": "false",
                }
            )
            self.actions += 1
            if not is_success(response):
                logger.warning("switchboard: QueueAdd %s %s refused: %s", *key, response.get("Message", ""))
                self.refused[key] = now
                await db(members.forget_added)(row)
        for row in todo.remove:
            response = await client.send({"Action": "QueueRemove", "Queue": row.queue, "Interface": row.interface})
            self.actions += 1
            # "Not there": someone took it out on the switchboard already; either way it is out.
            if is_success(response) or "not there" in response.get("Message", "").lower():
                await db(members.record_removed)(row, now, "off duty")
            else:
                logger.warning("switchboard: QueueRemove %s %s refused: %s", row.queue, row.interface, response)


async def run(targets: list[Target], stop: asyncio.Event, *, clock=timezone.now) -> None:
    """Run a connector for each target until `stop`; LoginRefused from any ends them all."""
    connectors = [Connector(target, stop, clock=clock) for target in targets]
    tasks = [asyncio.create_task(connector.run()) for connector in connectors]
    try:
        done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await sync_to_async(connections.close_all, thread_sensitive=True)()
