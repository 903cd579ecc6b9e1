from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SwitchboardConfig(AppConfig):
    name = "switchboard"
    verbose_name = _("Switchboard")

    def ready(self):
        from hotline.signals import connector_added_member
        from switchboard.events import added_by_connector

        connector_added_member.connect(added_by_connector, dispatch_uid="switchboard_connector_added_member")
