"""News the ground floor sends up. `hotline` never imports `roster`: rosters listen here."""

from django.dispatch import Signal

# An agent logged in or out, or paused, on the switchboard, as read from a call file.
# Arguments: `event` (hotline.calls.AgentEvent) and `lines`, the lines the file's sender may
# speak for (a director's upload), or None for the switchboard's own operator.
switchboard_agent_event = Signal()

# Asks whether the switchboard connector itself made a queue member addition read from a call
# file (queue_log's ADDMEMBER). A receiver answers True for one it made: the import then leaves
# it alone, because an agent the connector put in the queue is rostered, not present.
# Arguments: `event` (hotline.calls.AgentEvent).
connector_added_member = Signal()
