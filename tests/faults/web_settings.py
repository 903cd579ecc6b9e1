"""The settings of a web process under test (gunicorn, DEBUG off): production's, except that
static files are named as they are in the source, since a test runs no collectstatic."""

from config.settings import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
