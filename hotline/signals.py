"""News the ground floor sends up. `hotline` never imports `roster`: rosters listen here."""

from django.dispatch import Signal

# An agent logged in or out, or paused, on the switchboard, as read from a call file.
# Arguments: `event` (hotline.calls.AgentEvent) and `lines`, the lines the file's sender may
# speak for (a director's upload), or None for the switchboard's own operator.
switchboard_agent_event = Signal()
