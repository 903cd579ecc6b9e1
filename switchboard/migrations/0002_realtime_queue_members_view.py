"""A read-only view for a PBX that reads its queue members from a database (Asterisk Realtime
`queue_members`, docs/switchboard.md): the agents holding a shift under way, per queue, until
15 minutes after it ends (the handover; SWITCHBOARD_HANDOVER_MINUTES's default). PostgreSQL only."""

from django.db import migrations

VIEW = """
CREATE VIEW trucban_queue_members AS
SELECT line.queue AS queue_name,
       replace(board.interface_template, '{extension}', agent.extension) AS interface,
       agent.full_name AS membername,
       replace(board.interface_template, '{extension}', agent.extension) AS state_interface,
       0 AS penalty,
       0 AS paused,
       assignment.id AS uniqueid
FROM roster_assignment assignment
JOIN roster_shift shift ON shift.id = assignment.shift_id
JOIN hotline_line line ON line.id = shift.line_id
JOIN roster_agent agent ON agent.id = assignment.agent_id
JOIN switchboard_switchboard board ON board.hotline_id = line.hotline_id
LEFT JOIN switchboard_linefollow follow ON follow.line_id = line.id
WHERE assignment.is_live
  AND assignment.start <= now()
  AND assignment."end" > now() - interval '15 minutes'
  AND assignment.checked_out_at IS NULL
  AND agent.active AND agent.extension <> ''
  AND line.active AND line.queue <> ''
  AND COALESCE(follow.follows_roster, true)
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(VIEW)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP VIEW IF EXISTS trucban_queue_members")


class Migration(migrations.Migration):
    dependencies = [("switchboard", "0001_switchboard")]

    operations = [migrations.RunPython(create, drop)]
