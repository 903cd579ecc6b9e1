"""Settings come from the environment only, with zero-setup defaults."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIABLES = [
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "CACHE_URL",
]

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.db import connection
db = settings.DATABASES["default"]
out = {
    "engine": db["ENGINE"], "name": str(db["NAME"]), "host": db.get("HOST"), "port": db.get("PORT"),
    "options": db.get("OPTIONS", {}), "broker": settings.CELERY_BROKER_URL, "secret": settings.SECRET_KEY,
    "debug": settings.DEBUG, "hosts": settings.ALLOWED_HOSTS, "email_host": settings.EMAIL_HOST,
    "email_port": settings.EMAIL_PORT, "tz": settings.TIME_ZONE, "language": settings.LANGUAGE_CODE,
    "cache": settings.CACHES["default"]["BACKEND"], "cache_location": settings.CACHES["default"].get("LOCATION"),
}
if db["ENGINE"].endswith("sqlite3"):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        out["journal_mode"] = cursor.fetchone()[0]
print(json.dumps(out))
"""


def settings_with(**variables):
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(variables, DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_settings_are_read_from_the_environment():
    s = settings_with(
        DATABASE_URL="postgres://trucban@db.example:6543/roster",
        CELERY_BROKER_URL="redis://cache.example:6380/2",
        SECRET_KEY="from-the-environment",
        DEBUG="false",
        ALLOWED_HOSTS="trucban.camau.gov.vn,10.0.0.5",
        EMAIL_HOST="smtp.example",
        EMAIL_PORT="587",
    )
    assert (s["engine"], s["host"], s["port"], s["name"]) == (
        "django.db.backends.postgresql",
        "db.example",
        6543,
        "roster",
    )
    assert s["broker"] == "redis://cache.example:6380/2"
    assert s["secret"] == "from-the-environment"
    assert s["debug"] is False
    assert s["hosts"] == ["trucban.camau.gov.vn", "10.0.0.5"]
    assert (s["email_host"], s["email_port"]) == ("smtp.example", 587)


def test_with_nothing_set_it_runs_on_sqlite_and_a_file_broker(tmp_path):
    s = settings_with()
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["broker"] == "filesystem://"
    assert s["debug"] is True
    assert (s["tz"], s["language"]) == ("Asia/Ho_Chi_Minh", "vi")


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    s = settings_with(DATABASE_URL=f"sqlite:///{tmp_path / 'trucban.sqlite3'}")
    assert s["journal_mode"] == "wal"
    assert s["options"]["transaction_mode"] == "IMMEDIATE"


def test_the_cache_is_local_unless_a_shared_one_is_named():
    assert settings_with()["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    s = settings_with(CACHE_URL="redis://127.0.0.1:6379/4")
    assert s["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert s["cache_location"] == "redis://127.0.0.1:6379/4"
