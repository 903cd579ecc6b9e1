"""Private PostgreSQL and Redis servers for the fault tests, on free ports of 127.0.0.1.

The fault tests stop and restart these at will; the servers that the rest of the suite (and
CI's own connections) use are never touched. PostgreSQL refuses to run as root, so as root its
commands run as the postgres user."""

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

REDIS_SERVER = shutil.which("redis-server")
POSTGRES_BIN = next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), None)
if POSTGRES_BIN is None and shutil.which("pg_ctl"):
    POSTGRES_BIN = os.path.dirname(os.path.realpath(shutil.which("pg_ctl")))


def missing() -> str:
    """Why the fault tests cannot run here, or "" when they can."""
    if not REDIS_SERVER:
        return "redis-server is not installed (apt-get install redis-server)"
    if not POSTGRES_BIN or not os.path.exists(os.path.join(POSTGRES_BIN, "initdb")):
        return "PostgreSQL's initdb and pg_ctl are not installed (apt-get install postgresql)"
    return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not happen within {seconds} s")
        time.sleep(0.05)


class Redis:
    """A redis-server without persistence: stopped, it forgets every queued task, as a crashed
    Redis does (the harshest case for the broker)."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.mkdtemp(prefix="trucban-redis-")
        self.process = None

    def start(self):
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", self.dir]
        self.process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL)
        wait_until(self.ready, 10, "redis-server starting")

    def ready(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def crash(self):
        """SIGKILL: no goodbye to the clients, nothing saved."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def flush(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
            s.sendall(b"FLUSHALL\r\n")
            s.recv(16)

    def destroy(self):
        self.crash()
        shutil.rmtree(self.dir, ignore_errors=True)


class Postgres:
    """A PostgreSQL cluster of its own (trusting local connections, no fsync: a test's data)."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="trucban-pg-")
        self.data = os.path.join(self.dir, "data")
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
        self.run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")

    def url(self, name="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def run(self, program, *args, check=True):
        command = [*self.as_postgres, os.path.join(POSTGRES_BIN, program), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if check and done.returncode:
            raise RuntimeError(f"{program} {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def start(self):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self.run("pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "log"), "-o", options, "-w", "start")

    def stop(self):
        """A fast shutdown, as `systemctl restart postgresql` does: open connections are cut."""
        self.run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def psql(self, sql, database="postgres"):
        return self.run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database, "-tAc", sql)

    def destroy(self):
        try:
            self.run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", check=False)
        finally:
            pid_file = os.path.join(self.data, "postmaster.pid")
            if os.path.exists(pid_file):
                # pg_ctl could not stop it: the postmaster, by the pid it wrote.
                with open(pid_file) as file, contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(file.readline()), signal.SIGKILL)
            shutil.rmtree(self.dir, ignore_errors=True)
