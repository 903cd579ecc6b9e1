"""Callers' numbers (personal data): masks that show at most half the digits, a hash keyed by
CALLER_HASH_KEY alone, and the numbers stored before brought to those rules."""

import hashlib
import hmac
import importlib
import logging
import re

import pytest
from django.apps import apps
from django.utils import timezone

from hotline import calls
from hotline.calls import protect_caller
from hotline.models import CallRecord
from tests.factories import LineFactory

remask_migration = importlib.import_module("hotline.migrations.0006_remask_callers")


@pytest.mark.parametrize(
    "number, shown",
    [
        ("0912345678", "091*****78"),  # mobile
        ("0912 345 678", "091*****78"),
        ("02903822222", "029******22"),  # landline with its area code
        ("+84912345678", "091*****78"),  # the same number as 0912 345 678
        ("1022", "1**2"),
        ("113", "1**"),
        ("5", "*"),
    ],
)
def test_a_mask_shows_at_most_half_the_digits(settings, number, shown):
    settings.CALLER_NUMBERS = "mask"
    assert protect_caller(number)[0] == shown
    digits = re.sub(r"\D", "", number).replace("84", "0", 1 if number.startswith("+84") else 0)
    assert len(shown) == len(digits)
    assert len(shown.replace("*", "")) <= len(digits) // 2


def test_the_hash_is_keyed_by_the_callers_key_not_the_secret_key(settings):
    settings.CALLER_HASH_KEY = "a-key-for-callers-only"
    _shown, hashed = protect_caller("0912 345 678")
    assert hashed == hmac.new(b"a-key-for-callers-only", b"0912345678", hashlib.sha256).hexdigest()
    assert hashed != hmac.new(settings.SECRET_KEY.encode(), b"0912345678", hashlib.sha256).hexdigest()
    assert protect_caller("0912345678") == protect_caller("0912.345.678")  # a repeat caller is counted
    assert protect_caller("0912345678") == protect_caller("+84 912 345 678")


def test_without_a_key_numbers_are_masked_without_a_hash_and_the_log_says_why_once(settings, caplog):
    settings.CALLER_HASH_KEY = ""
    calls.warn_no_hash_key.cache_clear()
    with caplog.at_level(logging.WARNING, logger="hotline.calls"):
        first = protect_caller("0912345678")
        protect_caller("0987654321")
    assert first == ("091*****78", "")
    warnings = [r.getMessage() for r in caplog.records if r.name == "hotline.calls"]
    assert len(warnings) == 1
    assert "CALLER_HASH_KEY" in warnings[0]


def test_hash_and_keep_modes_still_work(settings):
    settings.CALLER_HASH_KEY = "a-key-for-callers-only"
    settings.CALLER_NUMBERS = "hash"
    shown, hashed = protect_caller("0912345678")
    assert shown == "" and len(hashed) == 64
    settings.CALLER_NUMBERS = "keep"
    assert protect_caller("0912 345 678") == ("0912 345 678", hashed)


def stored(line, n, caller, caller_hash="an-old-hash-keyed-by-secret-key"):
    now = timezone.now()
    return CallRecord.objects.create(
        hotline=line.hotline,
        line=line,
        source_id=f"old-{n}",
        started_at=now,
        ended_at=now,
        outcome="abandoned",
        caller=caller,
        caller_hash=caller_hash,
    )


def remasked(*records):
    remask_migration.remask_callers(apps, None)
    return [CallRecord.objects.values_list("caller", "caller_hash").get(pk=r.pk) for r in records]


def test_the_migration_remasks_old_masks_and_erases_old_hashes(db, settings):
    settings.CALLER_NUMBERS, settings.CALLER_HASH_KEY = "mask", "a-key-for-callers-only"
    line = LineFactory()
    records = [
        stored(line, 1, "0912***678"),  # 10 digits, the old mask
        stored(line, 2, "0290****222"),  # 11 digits
        stored(line, 3, "*******"),  # short numbers were hidden entirely
        stored(line, 4, "0912345678"),  # kept while CALLER_NUMBERS was "keep"
        stored(line, 5, ""),  # CALLER_NUMBERS=hash
    ]
    assert remasked(*records) == [
        ("091*****78", ""),
        ("029******22", ""),
        ("*******", ""),
        ("091*****78", protect_caller("0912345678")[1]),
        ("", ""),
    ]


def test_the_migration_leaves_kept_numbers_where_the_site_keeps_them(db, settings):
    settings.CALLER_NUMBERS, settings.CALLER_HASH_KEY = "keep", ""
    line = LineFactory()
    records = [stored(line, 1, "0912 345 678"), stored(line, 2, "0912***678")]
    assert remasked(*records) == [("0912 345 678", ""), ("091*****78", "")]
