"""Settings come from the environment (or a checkout's .env), safe for production by default."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

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
    "HTTPS",
    "ENV_FILE",
    # Set by the browser tests for their own process; a deployment never has it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
]
DEVELOPMENT = "DEBUG=true\nSECRET_KEY=a-checkout-key-made-by-make-run-0123456789-abcdefghijklmnop\n"

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


def run_with(command, *, env_file=None, **variables):
    """Run a command in a process whose environment holds only these variables (and, when
    env_file is given, reads that file as its .env)."""
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(variables, DJANGO_SETTINGS_MODULE="config.settings", ENV_FILE=str(env_file or "/nonexistent"))
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)


def settings_with(*, env_file=None, **variables):
    result = run_with([sys.executable, "-c", PROBE], env_file=env_file, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def checkout_env(tmp_path):
    """The .env that `make run` and `make test` write in a checkout."""
    path = tmp_path / ".env"
    path.write_text(DEVELOPMENT)
    return path


def test_settings_are_read_from_the_environment():
    s = settings_with(
        DATABASE_URL="postgres://trucban@db.example:6543/roster",
        CELERY_BROKER_URL="redis://cache.example:6380/2",
        SECRET_KEY="from-the-environment-" + "x" * 40,
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
    assert s["secret"] == "from-the-environment-" + "x" * 40
    assert s["debug"] is False
    assert s["hosts"] == ["trucban.camau.gov.vn", "10.0.0.5"]
    assert (s["email_host"], s["email_port"]) == ("smtp.example", 587)


def test_with_a_checkouts_env_file_it_runs_on_sqlite_and_a_file_broker(checkout_env):
    s = settings_with(env_file=checkout_env)
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["broker"] == "filesystem://"
    assert s["debug"] is True
    assert (s["tz"], s["language"]) == ("Asia/Ho_Chi_Minh", "vi")


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path, checkout_env):
    s = settings_with(env_file=checkout_env, DATABASE_URL=f"sqlite:///{tmp_path / 'trucban.sqlite3'}")
    assert s["journal_mode"] == "wal"
    assert s["options"]["transaction_mode"] == "IMMEDIATE"


def test_the_cache_is_local_unless_a_shared_one_is_named(checkout_env):
    assert settings_with(env_file=checkout_env)["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    s = settings_with(env_file=checkout_env, CACHE_URL="redis://127.0.0.1:6379/4")
    assert s["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert s["cache_location"] == "redis://127.0.0.1:6379/4"


@pytest.mark.parametrize(
    "variables",
    [
        {},
        {"DEBUG": "false"},
        {"SECRET_KEY": "too-short-for-production"},
        {"SECRET_KEY": "dev-only-not-secret-do-not-use-in-production"},
    ],
    ids=["nothing set", "debug off, no key", "a short key", "the development key"],
)
def test_a_production_process_refuses_a_missing_short_or_development_key(variables):
    result = run_with([sys.executable, "manage.py", "check"], **variables)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_settings_pass_djangos_deployment_checks_with_nothing_silenced():
    result = run_with(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="trucban.camau.gov.vn",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "0 silenced" in result.stdout


def test_production_serves_https_only_with_hsts_and_secure_cookies():
    probe = (
        "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps(["
        "s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER, "
        "s.SECURE_REDIRECT_EXEMPT]))"
    )
    result = run_with([sys.executable, "-c", probe], SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        False, True, 31536000, True, True, True, True, ["HTTP_X_FORWARDED_PROTO", "https"], ["^healthz$"],
    ]  # fmt: skip


def test_https_false_serves_plain_http_for_a_closed_network():
    probe = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS]))"
    )
    result = run_with([sys.executable, "-c", probe], SECRET_KEY=secrets.token_urlsafe(50), HTTPS="false")
    assert json.loads(result.stdout) == [False, False, 0]
