"""Units, the hotlines they run, the lines (menu keys) they answer and each line's staffing."""

import datetime
import secrets
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roster.solver import clock

MIDNIGHT = datetime.time(0, 0)


def unit_children() -> dict:
    """The ids of each unit's children by the unit's id (None: the top units), in one query."""
    children = defaultdict(list)
    for pk, parent_id in Unit.objects.values_list("pk", "parent_id"):
        children[parent_id].append(pk)
    return children


def with_units_below(unit_ids, children: dict) -> set[int]:
    """These unit ids and those of every unit below them, from unit_children()."""
    found = set(unit_ids)
    frontier = list(found)
    while frontier:
        for child in children[frontier.pop()]:
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


class UnitQuerySet(models.QuerySet):
    def with_descendants(self):
        """These units and every unit below them (Sở Y tế → CDC)."""
        return Unit.objects.filter(pk__in=with_units_below(self.values_list("pk", flat=True), unit_children()))


class Unit(models.Model):
    """A government body whose staff answer lines or which runs a hotline."""

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("short code"), max_length=32, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    directors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("directors"),
        blank=True,
        related_name="directed_units",
    )
    email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    reminder_lead_times = models.CharField(
        _("reminder lead times"),
        max_length=64,
        blank=True,
        validators=[
            RegexValidator(r"^\s*\d+\s*[dhm]\s*(,\s*\d+\s*[dhm]\s*)*$", _("Write lead times like 24h,1h or 90m."))
        ],
        help_text=_("When this unit's agents are reminded of a shift, e.g. 24h,1h. Empty: the site's setting."),
    )
    swaps_need_approval = models.BooleanField(
        _("swaps need a director's approval"),
        default=True,
        help_text=_("Otherwise a shift offered by an agent goes to the colleague who takes it at once."),
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self):
        return self.name

    def clean(self):
        if self.pk and self.parent_id:
            below = Unit.objects.filter(pk=self.pk).with_descendants()
            if below.filter(pk=self.parent_id).exists():
                raise ValidationError({"parent": _("A unit cannot be placed under itself.")})


def new_board_key() -> str:
    return secrets.token_urlsafe(24)


class HotlineQuerySet(models.QuerySet):
    def dialled(self, number: str):
        """The hotline of that number as people write it, with or without its dots
        (0290.1022, 02901022)."""
        digits = Replace("number", Value("."), Value(""))
        return self.annotate(digits=digits).filter(digits=number.replace(".", ""))


class Hotline(models.Model):
    """A public number such as 0290.1022, run by one unit."""

    name = models.CharField(_("name"), max_length=200)
    number = models.CharField(_("number"), max_length=32, unique=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("run by"),
        on_delete=models.PROTECT,
        related_name="hotlines",
    )
    active = models.BooleanField(_("active"), default=True)
    # Opens the wallboard without signing in, for a wall screen; the operator can replace it.
    board_key = models.CharField(_("wallboard key"), max_length=64, default=new_board_key, editable=False)

    objects = HotlineQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("hotline")
        verbose_name_plural = _("hotlines")

    def __str__(self):
        return f"{self.number} – {self.name}"


class Line(models.Model):
    """One menu key of a hotline, answered by the agents of one unit."""

    hotline = models.ForeignKey(Hotline, verbose_name=_("hotline"), on_delete=models.CASCADE, related_name="lines")
    digit = models.CharField(
        _("menu key"),
        max_length=1,
        choices=[(str(d), str(d)) for d in range(10)],
    )
    label = models.CharField(_("label"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("answered by"), on_delete=models.PROTECT, related_name="lines")
    queue = models.CharField(
        _("switchboard queue"),
        max_length=64,
        blank=True,
        help_text=_("The queue name the switchboard uses for this key, e.g. cm1022-2."),
    )
    active = models.BooleanField(_("active"), default=True)
    target_answer_seconds = models.PositiveSmallIntegerField(
        _("answer within (seconds)"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text=_("A call answered within this many seconds meets the service level."),
    )
    target_service_level = models.DecimalField(
        _("service level target"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.80"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("0.99"))],
        help_text=_("The share of calls to answer within that time, e.g. 0.80."),
    )
    missed_alert_calls = models.PositiveSmallIntegerField(
        _("missed calls that raise an alert"), default=3, validators=[MinValueValidator(1)]
    )
    missed_alert_minutes = models.PositiveSmallIntegerField(
        _("within (minutes)"), default=15, validators=[MinValueValidator(1), MaxValueValidator(1440)]
    )

    class Meta:
        ordering = ["hotline__number", "digit"]
        verbose_name = _("line")
        verbose_name_plural = _("lines")
        constraints = [
            models.UniqueConstraint(fields=["hotline", "digit"], name="line_digit_unique_per_hotline"),
            models.UniqueConstraint(
                fields=["hotline", "queue"],
                condition=~Q(queue=""),
                name="line_queue_unique_per_hotline",
            ),
            models.CheckConstraint(condition=Q(digit__in=[str(d) for d in range(10)]), name="line_digit_is_a_key"),
        ]

    def __str__(self):
        return f"{self.hotline.number} #{self.digit} – {self.label}"

    def required_at(self, moment: datetime.datetime) -> int:
        """Agents needed at this moment: round the clock with one agent unless windows are set.

        Reads self.staffing.all(), so prefetch "staffing" when calling this for many lines.
        """
        windows = list(self.staffing.all())
        if not windows:
            return 1
        local = timezone.localtime(moment)
        for window in windows:
            if window.covers(local):
                return window.required
        return 0

    def required_during(self, start: datetime.datetime, end: datetime.datetime) -> int:
        """The most agents needed at any moment of [start, end)."""
        moments = [start]
        day = timezone.localtime(start).date()
        tz = timezone.get_current_timezone()
        while clock.local_midnight(day, tz) < end:
            for window in self.staffing.all():
                if window.weekday == day.weekday():
                    moment = datetime.datetime.combine(day, window.start, tzinfo=tz)
                    if start < moment < end:
                        moments.append(moment)
            day += datetime.timedelta(days=1)
        return max(self.required_at(moment) for moment in moments)


class StaffingRequirement(models.Model):
    """A window of a weekday during which a line needs a number of agents."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    line = models.ForeignKey(Line, verbose_name=_("line"), on_delete=models.CASCADE, related_name="staffing")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"), help_text=_("00:00 means until midnight."))
    required = models.PositiveSmallIntegerField(_("agents required"), default=1, validators=[MaxValueValidator(100)])

    class Meta:
        ordering = ["line", "weekday", "start"]
        verbose_name = _("staffing requirement")
        verbose_name_plural = _("staffing requirements")
        constraints = [
            models.UniqueConstraint(fields=["line", "weekday", "start"], name="staffing_window_unique_start"),
            models.CheckConstraint(condition=Q(required__gte=1), name="staffing_required_at_least_one"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="staffing_weekday_valid"),
            models.CheckConstraint(condition=Q(end__gt=F("start")) | Q(end=MIDNIGHT), name="staffing_end_after_start"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}: {self.required}"

    def covers(self, local: datetime.datetime) -> bool:
        if local.weekday() != self.weekday:
            return False
        at = local.time()
        return self.start <= at and (self.end == MIDNIGHT or at < self.end)

    def clean(self):
        if self.line_id is None or self.start is None or self.end is None:
            return
        end = datetime.time.max if self.end == MIDNIGHT else self.end
        for other in self.line.staffing.filter(weekday=self.weekday).exclude(pk=self.pk):
            other_end = datetime.time.max if other.end == MIDNIGHT else other.end
            if self.start < other_end and other.start < end:
                raise ValidationError(_("This window overlaps another window of the same day."))


# PostgreSQL refuses NUL in text, and no switchboard id, extension or number holds a
# control character: one in an imported record is a bad record, not a database error.
no_control_characters = RegexValidator(
    r"[\x00-\x1f\x7f-\x9f]", _("Control characters (such as NUL) are not allowed."), inverse_match=True
)


class CallRecordQuerySet(models.QuerySet):
    def missed(self):
        return self.filter(answered_at__isnull=True)

    def answered(self):
        return self.filter(answered_at__isnull=False)


class CallRecord(models.Model):
    """One call to a line, as the switchboard recorded it.

    The caller's number is personal data (Decree 13/2023/ND-CP): unless CALLER_NUMBERS is
    "keep" only a masked form and a keyed hash (to count repeat callers) are stored, and
    both are erased after CALLER_RETENTION_DAYS."""

    class Outcome(models.TextChoices):
        ANSWERED = "answered", _("Answered")
        ABANDONED = "abandoned", _("Abandoned")
        TIMED_OUT = "timed_out", _("Timed out")
        BUSY = "busy", _("Busy")
        FAILED = "failed", _("Failed")

    hotline = models.ForeignKey(Hotline, verbose_name=_("hotline"), on_delete=models.CASCADE, related_name="calls")
    line = models.ForeignKey(Line, verbose_name=_("line"), on_delete=models.CASCADE, related_name="calls")
    source_id = models.CharField(_("switchboard id"), max_length=128, validators=[no_control_characters])
    started_at = models.DateTimeField(_("started at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"))
    wait_seconds = models.PositiveIntegerField(_("wait (s)"), default=0)
    talk_seconds = models.PositiveIntegerField(_("talk (s)"), default=0)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    agent_extension = models.CharField(
        _("agent extension"), max_length=32, blank=True, validators=[no_control_characters]
    )
    caller = models.CharField(_("caller"), max_length=32, blank=True, validators=[no_control_characters])
    caller_hash = models.CharField(_("caller hash"), max_length=64, blank=True, editable=False)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    objects = CallRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("call record")
        verbose_name_plural = _("call records")
        constraints = [
            models.UniqueConstraint(fields=["hotline", "source_id"], name="call_source_id_unique_per_hotline"),
            models.CheckConstraint(condition=Q(ended_at__gte=F("started_at")), name="call_ends_after_it_starts"),
        ]
        indexes = [
            # Metrics and missed-call tables: a line's calls over a period.
            models.Index(fields=["line", "started_at"], name="call_line_started_idx"),
            # The nightly erasure of callers' numbers: only calls still holding one, by age.
            models.Index(fields=["started_at"], condition=~Q(caller="", caller_hash=""), name="call_caller_kept_idx"),
        ]

    def __str__(self):
        return f"{self.line} {timezone.localtime(self.started_at):%d/%m/%Y %H:%M} ({self.get_outcome_display()})"

    @property
    def missed(self) -> bool:
        return self.answered_at is None
