"""Settings for bench/api.py: the site's own, with the bare view's URL added."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
