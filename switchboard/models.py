"""A hotline's switchboard as the connector sees it: how to reach it, which lines follow the
roster, the queue members the connector added, what the queues hold now and the calls waiting."""

import os

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.models import Hotline, Line

# The name of an environment variable, never its value: secrets stay out of the database and pages.
env_name = RegexValidator(r"^[A-Z_][A-Z0-9_]*$", _("The name of an environment variable, like TRUCBAN_AMI_SECRET."))


class SwitchboardQuerySet(models.QuerySet):
    def with_ami(self):
        """The switchboards a connector logs in to (uses_ami) of active hotlines."""
        return self.filter(hotline__active=True).exclude(ami_host="").exclude(ami_username="")

    def with_changes_today(self, now):
        """Each with added_today and removed_today: the members the connector added and removed
        since local midnight (the operator's page), counted for all switchboards in one query."""
        midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        return self.annotate(
            added_today=Count("roster_members", filter=Q(roster_members__added_at__gte=midnight)),
            removed_today=Count("roster_members", filter=Q(roster_members__removed_at__gte=midnight)),
        )


class Switchboard(models.Model):
    """How the connector reaches a hotline's Asterisk (AMI) and checks its webhooks."""

    hotline = models.OneToOneField(
        Hotline, verbose_name=_("hotline"), on_delete=models.CASCADE, related_name="switchboard"
    )
    ami_host = models.CharField(_("AMI host"), max_length=255, blank=True, help_text=_("Empty: webhooks only."))
    ami_port = models.PositiveIntegerField(
        _("AMI port"), default=5038, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    ami_username = models.CharField(_("AMI username"), max_length=64, blank=True)
    ami_secret_env = models.CharField(
        _("AMI secret variable"),
        max_length=64,
        blank=True,
        validators=[env_name],
        help_text=_("The environment variable holding the AMI secret; the secret itself is never stored."),
    )
    interface_template = models.CharField(
        _("interface template"),
        max_length=100,
        default="PJSIP/{extension}",
        help_text=_("An agent's queue interface, from their switchboard extension: PJSIP/{extension}."),
    )
    webhook_secret_env = models.CharField(
        _("webhook secret variable"),
        max_length=64,
        blank=True,
        validators=[env_name],
        help_text=_("The environment variable holding the secret that signs this hotline's webhooks."),
    )
    # The connector's state, for the operator's page and /healthz.
    connected_since = models.DateTimeField(_("connected since"), null=True, blank=True)
    last_event_at = models.DateTimeField(_("last event"), null=True, blank=True)
    # The last answer to the connector's Ping: a connector that died cannot say it disconnected.
    alive_at = models.DateTimeField(_("last heard"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)

    objects = SwitchboardQuerySet.as_manager()

    class Meta:
        verbose_name = _("switchboard")
        verbose_name_plural = _("switchboards")

    def __str__(self):
        return str(self.hotline)

    @property
    def uses_ami(self) -> bool:
        return bool(self.ami_host and self.ami_username)

    def ami_secret(self) -> str:
        return os.environ.get(self.ami_secret_env, "") if self.ami_secret_env else ""

    def webhook_secret(self) -> str:
        return os.environ.get(self.webhook_secret_env, "") if self.webhook_secret_env else ""

    def interface(self, extension: str) -> str:
        return self.interface_template.replace("{extension}", extension)

    def following_lines(self):
        """The hotline's active lines whose queue follows the roster (on unless switched off)."""
        return (
            Line.objects.filter(hotline_id=self.hotline_id, active=True)
            .exclude(queue="")
            .exclude(switchboard_follow__follows_roster=False)
        )


class LineFollow(models.Model):
    """A line's choice whether its queue follows the roster; without a row, it does."""

    line = models.OneToOneField(
        Line, verbose_name=_("line"), on_delete=models.CASCADE, related_name="switchboard_follow"
    )
    follows_roster = models.BooleanField(_("the switchboard follows the roster"), default=True)

    class Meta:
        verbose_name = _("line on the switchboard")
        verbose_name_plural = _("lines on the switchboard")

    def __str__(self):
        return str(self.line)

    @classmethod
    def follows(cls, line) -> bool:
        return not cls.objects.filter(line=line, follows_roster=False).exists()

    @classmethod
    def choose(cls, line, follows_roster: bool) -> None:
        cls.objects.update_or_create(line=line, defaults={"follows_roster": follows_roster})


class RosterMember(models.Model):
    """A queue member the connector added for an agent on duty, and when it took it out again:
    the record of what the connector changed on the switchboard."""

    switchboard = models.ForeignKey(Switchboard, on_delete=models.CASCADE, related_name="roster_members")
    line = models.ForeignKey(Line, verbose_name=_("line"), on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(
        "roster.Agent", verbose_name=_("agent"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    queue = models.CharField(_("queue"), max_length=64)
    interface = models.CharField(_("interface"), max_length=128)
    member_name = models.CharField(_("member name"), max_length=200)
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_because = models.CharField(_("removed because"), max_length=64, blank=True)

    class Meta:
        ordering = ["-added_at"]
        verbose_name = _("queue member added for the roster")
        verbose_name_plural = _("queue members added for the roster")
        constraints = [
            models.UniqueConstraint(
                fields=["switchboard", "queue", "interface"],
                condition=Q(removed_at__isnull=True),
                name="roster_member_once_in_a_queue",
            ),
        ]

    def __str__(self):
        return f"{self.queue} {self.interface}"


class QueueMemberState(models.Model):
    """A member of a queue as the switchboard last told it: whoever added it (the connector, the
    agent, the PBX's configuration)."""

    # Asterisk's device states: a member of these cannot take a call.
    ABSENT_STATUSES = {"4", "5"}  # invalid, unavailable

    switchboard = models.ForeignKey(Switchboard, on_delete=models.CASCADE, related_name="members")
    queue = models.CharField(max_length=64)
    interface = models.CharField(max_length=128)
    member_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=4, blank=True)
    paused = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["switchboard", "queue", "interface"], name="queue_member_state_unique"),
        ]

    def __str__(self):
        return f"{self.queue} {self.interface}"

    @property
    def present(self) -> bool:
        return not self.paused and self.status not in self.ABSENT_STATUSES


class WaitingCall(models.Model):
    """A call in a queue not yet ended: the events of one call arrive apart (and, by webhook, in
    separate requests), so its beginning is kept until its end makes a call record."""

    switchboard = models.ForeignKey(Switchboard, on_delete=models.CASCADE, related_name="waiting_calls")
    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="+")
    uniqueid = models.CharField(max_length=128)
    joined_at = models.DateTimeField()
    caller = models.CharField(max_length=32, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    hold_seconds = models.PositiveIntegerField(null=True, blank=True)
    agent_extension = models.CharField(max_length=32, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    escalated = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["switchboard", "uniqueid"], name="waiting_call_unique"),
        ]

    def __str__(self):
        return self.uniqueid
