"""
Requests per second of /api/v1/oncall/ beside a bare JSON view (same token authentication,
same gunicorn server with 2 sync workers), printed as a ratio. Target: at least 0.5.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python bench/api.py [--seconds 10] [--clients 4]

It makes a scratch database (<name>_bench), loads the Cà Mau demo, starts gunicorn on
127.0.0.1:8765 with DEBUG off, and asks each endpoint as the hotline operator from CLIENTS
threads for SECONDS, three rounds each, alternating, after a warm-up. It prints the median
rate of each and their ratio, and checks every answer was a 200.
"""

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import drop_database, scratch_database  # noqa: E402

PORT = 8765
ROUNDS = 3


def hammer(url, token, seconds, clients):
    """Requests per second from CLIENTS threads asking URL one request after another."""
    counts, failures = [0] * clients, []
    deadline = time.monotonic() + seconds

    def client(n):
        request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
        while time.monotonic() < deadline:
            with urllib.request.urlopen(request) as response:
                response.read()
                if response.status != 200:
                    failures.append(response.status)
            counts[n] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        sys.exit(f"{url}: {len(failures)} answers were not 200")
    return sum(counts) / (time.monotonic() - started)


def wait_until_up(url):
    for _ in range(100):
        try:
            urllib.request.urlopen(url)
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("gunicorn did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()

    database_url, admin_url, name = scratch_database()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        # The bench measures the view, not the rate limit.
        "THROTTLE_USER": "1000000/min",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "loaddemo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    make_token = (
        "from knox.models import AuthToken; from django.contrib.auth.models import User; "
        "print(AuthToken.objects.create(user=User.objects.get(username='operator'))[1])"
    )
    token = subprocess.run(
        [*manage, "shell", "-c", make_token], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()

    gunicorn = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{PORT}", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        wait_until_up(f"{base}/healthz")
        oncall, bare = f"{base}/api/v1/oncall/", f"{base}/bench/bare/"
        for url in (oncall, bare):  # warm up both workers
            hammer(url, token, 1, args.clients)
        rates = {oncall: [], bare: []}
        for _ in range(ROUNDS):
            for url in rates:
                rates[url].append(hammer(url, token, args.seconds, args.clients))
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
        drop_database(admin_url, name)

    oncall_rate, bare_rate = statistics.median(rates[oncall]), statistics.median(rates[bare])
    print(f"/api/v1/oncall/: {oncall_rate:,.0f} requests/s  (rounds: {', '.join(f'{r:,.0f}' for r in rates[oncall])})")
    print(f"bare JSON view:  {bare_rate:,.0f} requests/s  (rounds: {', '.join(f'{r:,.0f}' for r in rates[bare])})")
    print(f"ratio: {oncall_rate / bare_rate:.2f} (target >= 0.5); gunicorn 2 workers, {args.clients} clients")


if __name__ == "__main__":
    main()
