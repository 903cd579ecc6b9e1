"""A throwaway PostgreSQL database beside the one DATABASE_URL names, for a benchmark run."""

import os
import sys
from urllib.parse import urlsplit, urlunsplit


def scratch_database():
    """Make (anew) <name>_bench; return its URL, the maintenance URL and its name."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL to a PostgreSQL database (the bench makes <name>_bench beside it)")
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_bench"
    admin = urlunsplit(parts._replace(path="/postgres"))
    drop_database(admin, name)
    import psycopg

    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), admin, name


def drop_database(admin_url, name):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
