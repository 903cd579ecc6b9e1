"""Callers' numbers already stored, brought to the new rules (hotline/calls.py):

- A mask shows at most half the digits, at most five (0912345678 → 091*****78), where the
  old one showed seven of ten (0912***678). The number behind an old mask is gone, so the
  new mask is made from the old one: the old mask kept the number's length and showed its
  first 4 and last 3 digits (none at all up to 7 digits), which covers every digit the new
  rule may show; those are kept and all others starred, so the result is exactly the new
  mask of the number. A short number the old mask hid entirely stays hidden.
- A full number (stored while CALLER_NUMBERS was "keep") is masked like a new call, unless
  the site still keeps numbers.
- The hash is now keyed by CALLER_HASH_KEY, not SECRET_KEY. An old hash can neither be
  compared with new ones nor re-keyed without the number, and with the mask it gives the
  number away to anyone holding SECRET_KEY, so it is erased; where the full number is
  stored, the hash is made again with the new key (none without one).

Nothing can be unmasked again, so going back leaves the numbers as they are.
"""

import hashlib
import hmac
import re

import django.core.validators
from django.conf import settings
from django.db import migrations, models

BATCH = 1000


def mask(digits):
    """hotline.calls.mask as of this migration."""
    shown = min(len(digits) // 2, 5)
    tail = shown // 2
    head = shown - tail
    return digits[:head] + "*" * (len(digits) - shown) + digits[len(digits) - tail :]


def remask(old_mask):
    template = mask("#" * len(old_mask))
    return "".join(c if t == "#" and c.isdigit() else "*" for c, t in zip(old_mask, template))


def keyed_hash(digits):
    key = getattr(settings, "CALLER_HASH_KEY", "")
    return hmac.new(key.encode(), digits.encode(), hashlib.sha256).hexdigest() if key else ""


def protected(caller):
    """(caller, caller_hash) by the new rules, from what is stored."""
    if "*" in caller:
        return remask(caller), ""
    digits = re.sub(r"[^0-9]", "", caller)
    if not digits:
        return "", ""
    mode = getattr(settings, "CALLER_NUMBERS", "mask")
    if mode == "keep":
        return caller, keyed_hash(digits)
    if mode == "hash":
        return "", keyed_hash(digits)
    return mask(digits), keyed_hash(digits)


def remask_callers(apps, schema_editor):
    CallRecord = apps.get_model("hotline", "CallRecord")
    changed = []
    calls = CallRecord.objects.exclude(caller="", caller_hash="").only("pk", "caller", "caller_hash")
    for call in calls.iterator(chunk_size=BATCH):
        caller, caller_hash = protected(call.caller)
        if (caller, caller_hash) != (call.caller, call.caller_hash):
            call.caller, call.caller_hash = caller, caller_hash
            changed.append(call)
        if len(changed) >= BATCH:
            CallRecord.objects.bulk_update(changed, ["caller", "caller_hash"])
            changed = []
    CallRecord.objects.bulk_update(changed, ["caller", "caller_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("hotline", "0005_hotline_board_key"),
    ]

    operations = [
        migrations.AlterField(
            model_name="callrecord",
            name="agent_extension",
            field=models.CharField(
                blank=True,
                max_length=32,
                validators=[
                    django.core.validators.RegexValidator(
                        "[\\x00-\\x1f\\x7f-\\x9f]",
                        "Control characters (such as NUL) are not allowed.",
                        inverse_match=True,
                    )
                ],
                verbose_name="agent extension",
            ),
        ),
        migrations.AlterField(
            model_name="callrecord",
            name="caller",
            field=models.CharField(
                blank=True,
                max_length=32,
                validators=[
                    django.core.validators.RegexValidator(
                        "[\\x00-\\x1f\\x7f-\\x9f]",
                        "Control characters (such as NUL) are not allowed.",
                        inverse_match=True,
                    )
                ],
                verbose_name="caller",
            ),
        ),
        migrations.AlterField(
            model_name="callrecord",
            name="source_id",
            field=models.CharField(
                max_length=128,
                validators=[
                    django.core.validators.RegexValidator(
                        "[\\x00-\\x1f\\x7f-\\x9f]",
                        "Control characters (such as NUL) are not allowed.",
                        inverse_match=True,
                    )
                ],
                verbose_name="switchboard id",
            ),
        ),
        migrations.RunPython(remask_callers, migrations.RunPython.noop),
    ]
