"""A small Asterisk Manager Interface server for the tests: the switchboard, mocked at the wire.

It greets with a banner, takes Login, Ping, QueueStatus, QueueAdd and QueueRemove as Asterisk
answers them, keeps its queues' members, records every action it receives and plays the
events a test gives it to every connected client."""

import asyncio

from switchboard.ami import encode, parse


class FakeAsterisk:
    def __init__(self, *, username="trucban", secret="s3cret"):
        self.username, self.secret = username, secret
        self.actions: list[dict] = []
        # queue → interface → member fields (Name, Membership, Status, Paused)
        self.queues: dict[str, dict[str, dict]] = {}
        # interface → device state a new member gets (Asterisk: 1 not in use, 5 unavailable)
        self.device_status: dict[str, str] = {}
        self.waiting: list[dict] = []  # QueueEntry rows QueueStatus lists
        self.writers: set[asyncio.StreamWriter] = set()
        self.logins = 0
        self.server = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def stop(self):
        await self.drop()
        self.server.close()
        await self.server.wait_closed()

    async def drop(self):
        """The connection is lost (a network cut, Asterisk restarting)."""
        for writer in list(self.writers):
            writer.close()
        self.writers.clear()

    def member(self, queue, interface, name="", membership="static", status="1", paused="0"):
        self.queues.setdefault(queue, {})[interface] = {
            "Name": name or interface,
            "Membership": membership,
            "Status": status,
            "Paused": paused,
        }

    async def emit(self, event: dict):
        for writer in list(self.writers):
            writer.write(encode(event))
            await writer.drain()

    async def serve(self, reader, writer):
        writer.write(b"Asterisk Call Manager/5.0.1\r\n")
        logged_in = False
        try:
            while True:
                block = []
                while True:
                    line = await reader.readline()
                    if not line:
                        return
                    if line in (b"\r\n", b"\n"):
                        break
                    block.append(line.decode())
                if not block:
                    continue
                action = parse("".join(block))
                self.actions.append(action)
                reply = {"ActionID": action.get("ActionID", "")}
                name = action.get("Action", "").lower()
                if name == "login":
                    if action.get("Username") == self.username and action.get("Secret") == self.secret:
                        logged_in = True
                        self.logins += 1
                        self.writers.add(writer)
                        writer.write(encode({"Response": "Success", **reply, "Message": "Authentication accepted"}))
                    else:
                        writer.write(encode({"Response": "Error", **reply, "Message": "Authentication failed"}))
                        await writer.drain()
                        return
                elif not logged_in:
                    writer.write(encode({"Response": "Error", **reply, "Message": "Permission denied"}))
                else:
                    for message in self.answer(name, action, reply):
                        writer.write(encode(message))
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self.writers.discard(writer)
            writer.close()

    def answer(self, name, action, reply):
        queue, interface = action.get("Queue", ""), action.get("Interface", "")
        if name == "ping":
            return [{"Response": "Success", **reply, "Ping": "Pong"}]
        if name == "queuestatus":
            listed = [{"Response": "Success", **reply, "EventList": "start", "Message": "Queue status will follow"}]
            for q, members in self.queues.items():
                listed.append({"Event": "QueueParams", "Queue": q, **reply})
                for location, fields in members.items():
                    listed.append({"Event": "QueueMember", "Queue": q, "Location": location, **fields, **reply})
            for entry in self.waiting:
                listed.append({"Event": "QueueEntry", **entry, **reply})
            listed.append({"Event": "QueueStatusComplete", "EventList": "Complete", **reply})
            return listed
        if name == "queueadd":
            members = self.queues.setdefault(queue, {})
            if interface in members:
                return [{"Response": "Error", **reply, "Message": "Unable to add interface: Already there"}]
            self.member(
                queue, interface, action.get("MemberName", ""), "dynamic", self.device_status.get(interface, "1")
            )
            added = {"Event": "QueueMemberAdded", "Queue": queue, "Interface": interface, **members[interface]}
            added["MemberName"] = added.pop("Name")
            return [{"Response": "Success", **reply, "Message": "Added interface to queue"}, added]
        if name == "queueremove":
            if interface not in self.queues.get(queue, {}):
                return [{"Response": "Error", **reply, "Message": "Unable to remove interface: Not there"}]
            fields = self.queues[queue].pop(interface)
            removed = {
                "Event": "QueueMemberRemoved",
                "Queue": queue,
                "Interface": interface,
                "MemberName": fields["Name"],
            }
            return [{"Response": "Success", **reply, "Message": "Removed interface from queue"}, removed]
        return [{"Response": "Error", **reply, "Message": "Invalid/unknown command"}]

    def interfaces(self, queue) -> set[str]:
        return set(self.queues.get(queue, {}))
