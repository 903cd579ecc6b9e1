from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RosterConfig(AppConfig):
    name = "roster"
    verbose_name = _("Rosters")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from hotline.signals import switchboard_agent_event
        from roster.duty import forget_on_call
        from roster.models import Assignment, Roster, Shift
        from roster.services import on_switchboard_agent_event

        # Who is on duty changes with any of these: the shared board must not wait for its slot to end.
        for model in (Assignment, Shift, Roster):
            post_save.connect(forget_on_call, sender=model, dispatch_uid=f"forget_on_call_{model.__name__}")
            post_delete.connect(forget_on_call, sender=model, dispatch_uid=f"forget_on_call_delete_{model.__name__}")

        switchboard_agent_event.connect(on_switchboard_agent_event, dispatch_uid="roster_switchboard_agent_event")
