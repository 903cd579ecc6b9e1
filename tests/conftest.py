import datetime
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from config.celery import app as celery_app
from hotline.models import CallRecord, Line
from roster.demo import demo_load
from tests import browser as browser_helpers
from tests import workers as worker


def _own_broker_per_xdist_worker():
    """pytest-xdist runs the suite in several processes, each on its own test database; each
    also needs a Redis database of its own, or a Celery worker started by one would take the
    tasks that another queued."""
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = settings.CELERY_BROKER_URL
    if not worker_id.startswith("gw") or not url.startswith("redis"):
        return
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    own = parts._replace(path=f"/{(base + int(worker_id[2:])) % 16}").geturl()
    os.environ["CELERY_BROKER_URL"] = settings.CELERY_BROKER_URL = celery_app.conf.broker_url = own


_own_broker_per_xdist_worker()

# Real hashing takes a quarter of a second a password; tests do not need it strong.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def empty_cache():
    """The on-duty board is cached for a few seconds; one test must not see another's."""
    cache.clear()


@pytest.fixture(autouse=True)
def fresh_web_process(monkeypatch):
    """Each test is a web process that has just started, whose beat is not judged yet (the
    beat runs in no test); tests of the beat watch set an older start themselves."""
    monkeypatch.setattr("monitoring.health.PROCESS_STARTED_AT", timezone.now())


@pytest.fixture(scope="session")
def demo_rows(django_db_setup, django_db_blocker):
    """The Cà Mau 1022 demo, as `loaddemo` loads it today, built once per test session with the
    real engine and kept as rows: the build is rolled back, so tests that do not ask for the
    demo start from an empty database."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        models = apps.get_models(include_auto_created=True)
        before = {model: set(model._base_manager.values_list("pk", flat=True)) for model in models}
        demo_load(today=timezone.localdate(), password=settings.DEMO_PASSWORD)
        rows = {}
        for model in models:
            fields = [field.attname for field in model._meta.concrete_fields]
            new = model._base_manager.exclude(pk__in=before[model]).order_by("pk").values(*fields)
            if new:
                rows[model] = list(new)
        transaction.set_rollback(True)
    return rows


@transaction.atomic
def insert_rows(rows):
    # The database defers its foreign-key checks to the end of the transaction, so the order
    # of the tables does not matter; the sequences moved past these ids when they were built.
    for model, values in rows.items():
        model._base_manager.bulk_create([model(**value) for value in values])


@pytest.fixture
def demo(db, demo_rows):
    """The Cà Mau 1022 demo, as `loaddemo` loads it today (copied in from the session's build)."""
    insert_rows(demo_rows)


@pytest.fixture
def committed_demo(transactional_db, demo_rows):
    """The demo in committed rows, for tests with other processes (a worker, a browser)."""
    insert_rows(demo_rows)


@pytest.fixture
def login(client, demo):
    """Sign the test client in as one of the demo users."""

    def sign_in(username):
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return sign_in


@pytest.fixture
def api(demo):
    """An API client, signed in by token as one of the demo users (anonymous without a name)."""

    def as_user(username=None):
        client = APIClient()
        if username:
            _instance, token = AuthToken.objects.create(user=get_user_model().objects.get(username=username))
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return as_user


@pytest.fixture
def sms_file(tmp_path):
    return tmp_path / "sms.jsonl"


@pytest.fixture
def workers(transactional_db, sms_file):
    """Start Celery workers on the test database and the real broker; kill them afterwards."""
    celery_app.control.purge()
    started = []

    def start(**env):
        process = worker.start(sms_file, **env)
        started.append(process)
        return process

    yield start
    for process in started:
        worker.kill(process)
    celery_app.control.purge()


@pytest.fixture(scope="module")
def browser():
    if not Path(browser_helpers.CHROMIUM).exists():
        pytest.fail(f"{browser_helpers.CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make around it are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=browser_helpers.CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def site(committed_demo, live_server):
    return live_server.url


@pytest.fixture
def open_page(browser):
    """A new page; after the test, every request it made must have stayed on 127.0.0.1."""
    contexts, hosts = [], set()

    def new_page(**context_options):
        context = browser.new_context(**context_options)
        contexts.append(context)
        page = context.new_page()
        page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname))
        return page

    yield new_page
    for context in contexts:
        context.close()
    assert hosts <= {"127.0.0.1", "localhost", None}, f"requests left the machine: {hosts}"


@pytest.fixture
def history(demo):
    """Four weeks of line 2: Mondays 09:00–10:00 bring 200 calls of 3 minutes, other hours 1."""
    line = Line.objects.get(digit="2")
    today = timezone.localdate()
    rows, n = [], 0
    for days_ago in range(1, 29):
        day = today - datetime.timedelta(days=days_ago)
        for hour in range(24):
            count = 200 if (day.weekday() == 0 and hour == 9) else 1
            for k in range(count):
                start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, k * 60 // count)))
                n += 1
                rows.append(
                    CallRecord(
                        hotline=line.hotline,
                        line=line,
                        source_id=f"h-{n}",
                        started_at=start,
                        answered_at=start + datetime.timedelta(seconds=10),
                        ended_at=start + datetime.timedelta(seconds=190),
                        talk_seconds=180,
                        wait_seconds=10,
                        outcome="answered",
                    )
                )
    CallRecord.objects.bulk_create(rows)
    return line
