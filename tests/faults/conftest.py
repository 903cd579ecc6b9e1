"""Fixtures of the fault tests: private Redis and PostgreSQL servers that the tests may crash and
restart, and the processes (workers, beats, a web server) started on them, killed at the end
of each test whatever its outcome."""

import concurrent.futures
import os
import subprocess
import sys

import pytest

from tests import workers as worker
from tests.faults import servers


@pytest.fixture(scope="session")
def private_redis():
    if reason := servers.missing():
        pytest.skip(reason)
    redis = servers.Redis()
    try:
        redis.start()
        yield redis
    finally:
        redis.destroy()


@pytest.fixture
def redis(private_redis):
    """The private Redis, up and empty (a test before may have left it down, or full)."""
    if not private_redis.ready():
        private_redis.start()
    private_redis.flush()
    return private_redis


def migrated_postgres():
    """A PostgreSQL of its own with the site's schema in database "trucban"."""
    postgres = servers.Postgres()
    try:
        postgres.start()
        postgres.psql("CREATE DATABASE trucban")
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
            cwd=worker.ROOT,
            env={**os.environ, "DATABASE_URL": postgres.url("trucban")},
            capture_output=True,
            text=True,
            timeout=180,
        )
        if migrate.returncode:
            raise RuntimeError(f"migrate failed on the private PostgreSQL: {migrate.stderr}")
    except BaseException:
        postgres.destroy()
        raise
    return postgres


@pytest.fixture(scope="session", autouse=True)
def postgres_being_prepared():
    """Prepares the private PostgreSQL (a few seconds of migrations) while the first fault
    tests run, from the first fault test on; stops and deletes it at the end of the session."""
    if servers.missing():
        yield None
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(migrated_postgres)
        try:
            yield future
        finally:
            if future.exception() is None:
                future.result().destroy()


@pytest.fixture
def private_postgres(postgres_being_prepared):
    if reason := servers.missing():
        pytest.skip(reason)
    return postgres_being_prepared.result(timeout=300)


@pytest.fixture
def processes(tmp_path):
    """Start workers, beats and web servers (each logging to a file in tmp_path); kill them after the test."""
    started = []

    class Processes:
        def worker(self, sms_file, **kwargs):
            return self.track(worker.start(sms_file, log=tmp_path / "worker.log", **kwargs))

        def beat(self, *, tick, **env):
            return self.track(worker.start_beat(tmp_path, tick=tick, log=tmp_path / "beat.log", **env))

        def web(self, port, **env):
            """gunicorn, as deploy/ runs it (one sync worker here), with DEBUG off (env gives SECRET_KEY)."""
            command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
            command += ["--workers", "1", "--timeout", "30"]
            env = {"DEBUG": "false", "HTTPS": "false", **env}
            return self.track(worker.spawn(command, tmp_path / "web.log", **env))

        def track(self, process):
            started.append(process)
            return process

    yield Processes()
    for process in started:
        worker.kill(process)
