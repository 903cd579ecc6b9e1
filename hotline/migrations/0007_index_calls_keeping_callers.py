from django.db import migrations, models


class Migration(migrations.Migration):
    """The nightly erasure of callers' numbers reads only the calls still holding one."""

    dependencies = [
        ("hotline", "0006_remask_callers"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="callrecord",
            index=models.Index(
                condition=models.Q(("caller", ""), ("caller_hash", ""), _negated=True),
                fields=["started_at"],
                name="call_caller_kept_idx",
            ),
        ),
    ]
