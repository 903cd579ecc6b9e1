"""
PostgreSQL only: the database refuses two overlapping live assignments of one agent.

Kept out of Assignment.Meta.constraints so that SQLite (the zero-setup default)
still migrates and `makemigrations --check` stays clean; on SQLite,
Assignment.clean() gives the same error.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CREATE = """
ALTER TABLE roster_assignment
ADD CONSTRAINT assignment_no_overlap_for_agent
EXCLUDE USING gist (agent_id WITH =, tstzrange("start", "end", '[)') WITH &&)
WHERE (is_live)
"""
DROP = "ALTER TABLE roster_assignment DROP CONSTRAINT assignment_no_overlap_for_agent"


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("roster", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP)),
    ]
