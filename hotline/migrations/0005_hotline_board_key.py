import secrets

from django.db import migrations, models

import hotline.models


def give_each_hotline_its_own_key(apps, schema_editor):
    # Adding the field called the default once, so every existing hotline got the same key.
    Hotline = apps.get_model("hotline", "Hotline")
    for row in Hotline.objects.all():
        row.board_key = secrets.token_urlsafe(24)
        row.save(update_fields=["board_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("hotline", "0004_swap_approval"),
    ]

    operations = [
        migrations.AddField(
            model_name="hotline",
            name="board_key",
            field=models.CharField(
                default=hotline.models.new_board_key, editable=False, max_length=64, verbose_name="wallboard key"
            ),
        ),
        migrations.RunPython(give_each_hotline_its_own_key, migrations.RunPython.noop),
    ]
