from django.db import migrations, models


class Migration(migrations.Migration):
    """Indexes for the beat's every-minute queries at national scale (docs/operations.md, Scale)."""

    dependencies = [
        ("roster", "0015_sms_action_links"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(
                condition=models.Q(("is_live", True)), fields=["start"], name="assignment_live_start_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="escalation",
            index=models.Index(
                condition=models.Q(("resolved_at__isnull", True)), fields=["escalated_at"], name="escalation_open_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="shift",
            index=models.Index(fields=["end", "start"], name="shift_end_start_idx"),
        ),
    ]
