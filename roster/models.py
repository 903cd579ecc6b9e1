"""Agents, their shifts and leave; rosters that group shifts, and who is assigned to each."""

import datetime
import secrets

import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hotline.models import Line, Unit
from roster.names import name_key
from roster.phones import normalize_phone, validate_phone
from roster.solver import clock

CHECK_IN_EARLY = datetime.timedelta(minutes=30)
# Checking out this close to a shift's end is the handover, not leaving early.
HANDOVER = datetime.timedelta(minutes=15)
# An agent who forgot may still check out this long after the shift ended.
CHECK_OUT_LATE = datetime.timedelta(hours=2)


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class PublicHolidayQuerySet(models.QuerySet):
    def seed(self, years):
        """Fill in Vietnam's public holidays (Tết included) for years that have none yet.

        Years already present are left alone: the government announces make-up days each
        year, and admins correct the table by hand."""
        import holidays

        present = set(self.filter(date__year__in=years).values_list("date__year", flat=True).distinct())
        missing = [year for year in years if year not in present]
        if missing:
            calendar = holidays.country_holidays("VN", years=missing, language="vi")
            self.bulk_create(
                [PublicHoliday(date=day, name=name) for day, name in calendar.items()], ignore_conflicts=True
            )


class PublicHoliday(models.Model):
    """A day off for the whole country; shifts on it count as weekend shifts for fairness."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200)

    objects = PublicHolidayQuerySet.as_manager()

    class Meta:
        ordering = ["date"]
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {self.name}"


class Agent(models.Model):
    """A person who answers calls on one or more lines."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agent",
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="agents")
    full_name = models.CharField(_("full name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20, unique=True, validators=[validate_phone])
    email = models.EmailField(_("email"), blank=True)
    extension = models.CharField(
        _("switchboard extension"),
        max_length=32,
        blank=True,
        help_text=_("The agent's extension or queue member name on the switchboard, e.g. 201."),
    )
    lines = models.ManyToManyField(Line, verbose_name=_("lines"), blank=True, related_name="agents")
    max_hours_per_week = models.PositiveSmallIntegerField(
        _("max hours per week"), default=48, validators=[MaxValueValidator(168)]
    )
    # The agent's own rule 11 (roster.solver.rules), over the unit's (UnitRules).
    min_hours_per_roster = models.PositiveSmallIntegerField(
        _("least hours in a roster"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(8784)],
        help_text=_("This agent's own, e.g. a part-time contract's minimum. Empty: the unit's rule."),
    )
    max_hours_per_roster = models.PositiveSmallIntegerField(
        _("most hours in a roster"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(8784)],
        help_text=_("This agent's own. Empty: the unit's rule."),
    )
    active = models.BooleanField(_("active"), default=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    calendar_token = models.CharField(
        _("calendar token"), max_length=64, unique=True, default=new_calendar_token, editable=False
    )
    notify_by_sms = models.BooleanField(_("notify by SMS"), default=True)
    notify_by_email = models.BooleanField(
        _("notify by email"), default=True, help_text=_("When an email address is set.")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_hours_per_week__gte=1, max_hours_per_week__lte=168),
                name="agent_max_hours_in_a_week",
            ),
        ]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.phone = normalize_phone(self.phone)
        super().save(*args, **kwargs)

    def clean(self):
        if self.phone:
            try:
                self.phone = normalize_phone(self.phone)
            except ValidationError as e:
                raise ValidationError({"phone": e.messages}) from e
        low, high = self.min_hours_per_roster, self.max_hours_per_roster
        if low is not None and high is not None and low > high:
            raise ValidationError({"max_hours_per_roster": _("The most hours cannot be fewer than the least.")})

    def own_rules(self) -> dict:
        """The agent's own optional rules, as the problem JSON's keys of an agent's `rules`."""
        found = {}
        if self.min_hours_per_roster is not None:
            found["min_hours"] = self.min_hours_per_roster
        if self.max_hours_per_roster is not None:
            found["max_hours"] = self.max_hours_per_roster
        return found

    @property
    def phone_display(self) -> str:
        """The number as people here write it: 0912 345 678."""
        return phonenumbers.format_number(phonenumbers.parse(self.phone), phonenumbers.PhoneNumberFormat.NATIONAL)

    def channels(self) -> list[str]:
        """Where this agent's notifications go: SMS, and email when they have an address."""
        channels = []
        if self.notify_by_sms:
            channels.append(Notification.Channel.SMS)
        if self.notify_by_email and self.email:
            channels.append(Notification.Channel.EMAIL)
        return channels

    @staticmethod
    def login_username(email: str, phone: str) -> str:
        """An agent's username: their email address, else their phone number's digits."""
        return email.lower() or phone.lstrip("+")

    def update_login(self):
        """Give the agent a login, or bring its username, email and names up to date (names in
        Vietnamese order: the given name is the last word). A new login has no password until
        the agent chooses one."""
        user = self.user
        if user is None:
            user = get_user_model()()
            user.set_unusable_password()
        family, _sep, given = self.full_name.rpartition(" ")
        user.username = self.login_username(self.email, self.phone)
        user.email, user.first_name, user.last_name = self.email, given[:150], family[:150]
        user.save()
        self.user = user

    def reset_calendar_token(self):
        self.calendar_token = new_calendar_token()
        self.save(update_fields=["calendar_token"])


class ShiftPattern(models.Model):
    """A recurring shift of a line, such as "Ca ngày" 07:00 for 12 hours every day."""

    line = models.ForeignKey(Line, verbose_name=_("line"), on_delete=models.CASCADE, related_name="shift_patterns")
    name = models.CharField(_("name"), max_length=100)
    start_time = models.TimeField(_("starts at"))
    duration = models.DurationField(_("length"), help_text=_("For example 12:00:00 for twelve hours."))
    weekdays = models.CharField(
        _("weekdays"),
        max_length=7,
        default="0123456",
        validators=[RegexValidator(r"^[0-6]{1,7}$", _("Use the digits 0 (Monday) to 6 (Sunday)."))],
        help_text=_("0 is Monday, 6 is Sunday; 0123456 is every day."),
    )
    required = models.PositiveSmallIntegerField(
        _("agents required"),
        null=True,
        blank=True,
        help_text=_("Leave empty to follow the line's staffing requirements."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["line", "start_time"]
        verbose_name = _("shift pattern")
        verbose_name_plural = _("shift patterns")
        constraints = [
            models.UniqueConstraint(fields=["line", "name"], name="shift_pattern_name_unique_per_line"),
            models.CheckConstraint(
                condition=Q(duration__gt=datetime.timedelta(0), duration__lte=datetime.timedelta(hours=24)),
                name="shift_pattern_length_within_a_day",
            ),
            models.CheckConstraint(
                condition=Q(required__isnull=True) | Q(required__gte=1),
                name="shift_pattern_required_at_least_one",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.start_time:%H:%M})"

    def occurrences(self, first: datetime.date, last: datetime.date):
        """(start, end) of each shift of this pattern starting on a day from first to last."""
        tz = timezone.get_current_timezone()
        day = first
        while day <= last:
            if str(day.weekday()) in self.weekdays:
                start = datetime.datetime.combine(day, self.start_time, tzinfo=tz)
                yield start, start + self.duration
            day += datetime.timedelta(days=1)


class Roster(models.Model):
    """The shifts of one or more lines over a period, drafted and then published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded")

    lines = models.ManyToManyField(Line, verbose_name=_("lines"), related_name="rosters")
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # Every write to the roster's shifts or assignments through a service adds one, so a build
    # that solved an older state can tell and refuses to overwrite (roster.services.roster_build_write).
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-start", "pk"]
        verbose_name = _("roster")
        verbose_name_plural = _("rosters")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="roster_end_not_before_start"),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="roster_published_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.start:%d/%m/%Y}–{self.end:%d/%m/%Y} ({self.get_status_display()})"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class ShiftQuerySet(models.QuerySet):
    def published(self):
        return self.filter(roster__status=Roster.Status.PUBLISHED)

    def at(self, moment: datetime.datetime):
        return self.filter(start__lte=moment, end__gt=moment)

    def overlapping(self, start: datetime.datetime, end: datetime.datetime):
        return self.filter(start__lt=end, end__gt=start)


class Shift(models.Model):
    """A period during which a line needs a number of agents."""

    roster = models.ForeignKey(Roster, verbose_name=_("roster"), on_delete=models.CASCADE, related_name="shifts")
    line = models.ForeignKey(Line, verbose_name=_("line"), on_delete=models.PROTECT, related_name="shifts")
    pattern = models.ForeignKey(
        ShiftPattern,
        verbose_name=_("pattern"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shifts",
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    required = models.PositiveSmallIntegerField(_("agents required"), default=1)

    objects = ShiftQuerySet.as_manager()

    class Meta:
        ordering = ["start", "line"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        constraints = [
            models.UniqueConstraint(
                fields=["roster", "line", "start", "end"], name="shift_unique_per_roster_line_time"
            ),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="shift_end_after_start"),
            models.CheckConstraint(condition=Q(required__gte=1), name="shift_required_at_least_one"),
        ]
        indexes = [
            # Who is on duty on these lines now / over these days (dashboard, on-call).
            models.Index(fields=["line", "start"], name="shift_line_start_idx"),
            # The shifts on now or to come, of every line at once (escalations every minute, the
            # on-duty board, gap alerts): bounded by the end, not by the years of past shifts.
            models.Index(fields=["end", "start"], name="shift_end_start_idx"),
        ]

    def __str__(self):
        return f"#{self.line.digit} {self.label}"

    def clean(self):
        """New times may not put one of its agents on two live shifts at once."""
        if self.pk is None or self.start is None or self.end is None or self.end <= self.start:
            return
        holding = self.assignments.filter(is_live=True).values("agent")
        clash = (
            Assignment.objects.filter(agent__in=holding, is_live=True, start__lt=self.end, end__gt=self.start)
            .exclude(shift=self)
            .select_related("agent")
            .first()
        )
        if clash is not None:
            raise ValidationError(clash.double_booking_message())

    @staticmethod
    def label_of(start: datetime.datetime, end: datetime.datetime) -> str:
        """How people name a shift: its hours and the local day it starts, "19:00–07:00 01/12"
        for the night that began on 1 December, never the day it ends."""
        start, end = timezone.localtime(start), timezone.localtime(end)
        return f"{start:%H:%M}–{end:%H:%M} {start:%d/%m}"

    @property
    def label(self) -> str:
        return self.label_of(self.start, self.end)

    @property
    def times(self) -> str:
        """Its hours alone, "19:00–07:00", for a page that shows the day beside them."""
        return f"{timezone.localtime(self.start):%H:%M}–{timezone.localtime(self.end):%H:%M}"

    @property
    def day(self) -> datetime.date:
        """The local day the shift starts: the day it is named by."""
        return timezone.localtime(self.start).date()

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    def night_minutes(self) -> int:
        """Minutes of this shift inside the local 22:00–06:00 night windows."""
        return clock.night_seconds(self.start, self.end, timezone.get_current_timezone()) // 60

    def is_night(self) -> bool:
        return clock.is_night(self.start, self.end, timezone.get_current_timezone())

    def is_on_at(self, moment: datetime.datetime) -> bool:
        return self.start <= moment < self.end

    def places_held(self) -> int:
        """How many agents hold the shift, extra cover aside."""
        return self.assignments.exclude(status__in=Assignment.NOT_HOLDING).filter(is_extra=False).count()

    def is_full(self) -> bool:
        """Whether the agents holding the shift, extra cover aside, fill its places."""
        return self.places_held() >= self.required

    def most_agents(self) -> int:
        """Its places and the extra agents its line's unit allows beyond them."""
        return self.required + UnitRules.extra_agents([self.line.unit_id]).get(self.line.unit_id, 0)

    def is_at_most(self) -> bool:
        """Whether the agents holding the shift, extra cover aside, fill its places and the
        extra agents its unit allows: one more is cover beyond the plan (Assignment.is_extra)."""
        return self.places_held() >= self.most_agents()

    def may_take_extra(self, now: datetime.datetime) -> bool:
        """Whether a director may add cover beyond the headcount: a published shift that is
        under way or starts today, when a no-show leaves it short."""
        return (
            self.roster.is_published
            and timezone.localtime(self.start).date() <= timezone.localdate(now)
            and now < self.end
        )

    def holds(self, agent) -> bool:
        """Whether the agent is on this shift: assigned, and not declined or absent."""
        return self.assignments.filter(agent=agent).exclude(status__in=Assignment.NOT_HOLDING).exists()

    def holding_agents(self) -> list:
        """The agents this shift counts on (not declined, not absent); reads prefetched
        assignments with their agents when there are."""
        return [a.agent for a in self.assignments_by_name() if a.status not in Assignment.NOT_HOLDING]

    def assignments_by_name(self) -> list:
        """The shift's assignments, their people in Vietnamese order (roster.names); reads
        prefetched assignments with their agents when there are."""
        return sorted(self.assignments.all(), key=lambda a: name_key(a.agent.full_name))


class Assignment(models.Model):
    """One agent on one shift."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        CHECKED_IN = "checked_in", _("Checked in")
        NO_SHOW = "no_show", _("No-show")

    class Source(models.TextChoices):
        SOLVER = "solver", _("Solver")
        MANUAL = "manual", _("By hand")

    # A declined or no-show assignment no longer holds the agent's time.
    NOT_HOLDING = [Status.DECLINED, Status.NO_SHOW]
    # Name of the PostgreSQL exclusion constraint added in migration 0002.
    OVERLAP_CONSTRAINT = "assignment_no_overlap_for_agent"

    shift = models.ForeignKey(Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="assignments")
    agent = models.ForeignKey(Agent, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="assignments")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ASSIGNED)
    source = models.CharField(_("made by"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    pinned = models.BooleanField(_("pinned"), default=False, help_text=_("A rebuild keeps pinned assignments."))
    # Cover beyond the headcount, added by a director on a shift under way (a no-show): it
    # never counts as a place of the plan, so the engine is never handed more agents than places.
    is_extra = models.BooleanField(
        _("extra cover"), default=False, help_text=_("Added beyond the headcount to cover a shift under way.")
    )
    # Copied from the shift and its roster on save, so that the database itself can
    # refuse two overlapping live assignments of one agent (see OVERLAP_CONSTRAINT).
    start = models.DateTimeField(_("start"), editable=False)
    end = models.DateTimeField(_("end"), editable=False)
    is_live = models.BooleanField(_("live"), default=False, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["start", "shift", "agent"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(fields=["shift", "agent"], name="assignment_agent_once_per_shift"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="assignment_end_after_start"),
        ]
        indexes = [
            # An agent's own shifts, upcoming first (home page, calendar feed).
            models.Index(fields=["agent", "start"], name="assignment_agent_start_idx"),
            # The beat's reminders: live assignments of every agent starting within a lead time.
            models.Index(fields=["start"], condition=Q(is_live=True), name="assignment_live_start_idx"),
        ]

    def __str__(self):
        return f"{self.agent} – {self.shift}"

    def save(self, *args, **kwargs):
        self.copy_from_shift()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "start", "end", "is_live"}
        super().save(*args, **kwargs)

    @property
    def shift_label(self) -> str:
        """The shift's name (Shift.label) from the times copied here, without reading the shift."""
        return Shift.label_of(self.start, self.end)

    def copy_from_shift(self):
        self.start = self.shift.start
        self.end = self.shift.end
        self.is_live = self.shift.roster.is_published and self.status not in self.NOT_HOLDING

    def clean(self):
        if self.shift_id is None or self.agent_id is None:
            return
        self.copy_from_shift()
        if self.is_live and self.overlapping_live().exists():
            raise ValidationError(self.double_booking_message())

    def can_check_in(self, now) -> bool:
        """From 30 minutes before the shift until its end, on a published roster."""
        return (
            self.is_live
            and self.status in (self.Status.ASSIGNED, self.Status.CONFIRMED)
            and self.start - CHECK_IN_EARLY <= now < self.end
        )

    def lock(self):
        """Re-read this row and hold it until the transaction ends (inside atomic())."""
        self.refresh_from_db(from_queryset=Assignment.objects.select_for_update())

    def check_in(self, now=None):
        """Check the agent in. A second check-in is refused with its own message (code
        "already_checked_in"): the first one's time stands."""
        now = now or timezone.now()
        with transaction.atomic():
            # A double tap, the app and the page, or a switchboard login at the same moment:
            # decide on the locked row, so that one of them checks in and the others hear
            # that it is done, not that the check-in window has closed.
            self.lock()
            if self.status == self.Status.CHECKED_IN:
                raise ValidationError(_("You have already checked in to this shift."), code="already_checked_in")
            if self.status == self.Status.DECLINED:
                raise ValidationError(_("You have already declined this shift."), code="declined")
            if not self.can_check_in(now):
                raise ValidationError(_("You can check in from 30 minutes before your shift until its end."))
            self.status = self.Status.CHECKED_IN
            self.checked_in_at = now
            self.save(update_fields=["status", "checked_in_at"])

    def can_check_out(self, now) -> bool:
        return self.status == self.Status.CHECKED_IN and self.checked_out_at is None and now < self.end + CHECK_OUT_LATE

    def check_out(self, now=None):
        now = now or timezone.now()
        with transaction.atomic():
            # Two check-outs at once: the first one's time stands.
            self.lock()
            if self.checked_out_at is not None:
                raise ValidationError(_("You have already checked out of this shift."), code="already_checked_out")
            if not self.can_check_out(now):
                raise ValidationError(_("You can check out of a shift you checked in to, until 2 hours after its end."))
            self.checked_out_at = now
            self.save(update_fields=["checked_out_at"])

    @property
    def left_early(self) -> bool:
        return self.checked_out_at is not None and self.checked_out_at < self.end - HANDOVER

    @property
    def is_present(self) -> bool:
        """Checked in and not gone before the handover: counts towards the line's staffing."""
        return self.status == self.Status.CHECKED_IN and not self.left_early

    @classmethod
    def present_q(cls, prefix="") -> Q:
        """is_present as a query condition, for counting in the database."""
        return Q(**{f"{prefix}status": cls.Status.CHECKED_IN}) & (
            Q(**{f"{prefix}checked_out_at__isnull": True})
            | Q(**{f"{prefix}checked_out_at__gte": F(f"{prefix}end") - HANDOVER})
        )

    @property
    def switchboard_away(self):
        """The agent's last pause or logout on the switchboard during this shift, if they have
        not come back since (reads presence_events.all(): prefetch it for many)."""
        events = list(self.presence_events.all())
        if events and events[-1].event in (PresenceEvent.Event.PAUSE, PresenceEvent.Event.LOGOUT):
            return events[-1]
        return None

    def can_confirm(self, now) -> bool:
        return self.is_live and self.status == self.Status.ASSIGNED and now < self.end

    def confirm(self, now=None):
        now = now or timezone.now()
        with transaction.atomic():
            # A confirm racing a check-in or a decline must not undo it.
            self.lock()
            if self.status == self.Status.CHECKED_IN:
                raise ValidationError(_("You have already checked in to this shift."), code="already_checked_in")
            if self.status == self.Status.CONFIRMED:
                raise ValidationError(_("You have already confirmed this shift."), code="already_confirmed")
            if self.status == self.Status.DECLINED:
                raise ValidationError(_("You have already declined this shift."), code="declined")
            if not self.can_confirm(now):
                raise ValidationError(_("Only a coming shift that is assigned to you can be confirmed."))
            self.status = self.Status.CONFIRMED
            self.confirmed_at = now
            self.save(update_fields=["status", "confirmed_at"])

    def overlapping_live(self):
        """The agent's other live assignments that overlap this one in time."""
        return (
            Assignment.objects.filter(agent_id=self.agent_id, is_live=True, start__lt=self.end, end__gt=self.start)
            .exclude(pk=self.pk)
            .select_related("shift__line")
        )

    def double_booking_message(self) -> str:
        return _("%(agent)s already has a shift at that time.") % {"agent": self.agent}


class LeaveQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Leave.Status.APPROVED)

    def overlapping(self, start: datetime.datetime, end: datetime.datetime):
        return self.filter(start__lt=end, end__gt=start)

    def with_conflict_count(self):
        """conflict_count: how many of Leave.conflicts() each leave has, in the same query."""
        held = "agent__assignments__"
        return self.annotate(
            conflict_count=models.Count(
                "agent__assignments",
                filter=Q(**{f"{held}is_live": True, f"{held}start__lt": F("end"), f"{held}end__gt": F("start")}),
            )
        )


class Leave(models.Model):
    """Time an agent cannot work: annual leave, sickness, training."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    agent = models.ForeignKey(Agent, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="leaves")
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = LeaveQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start"]
        verbose_name = _("leave")
        verbose_name_plural = _("leave")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="leave_end_after_start"),
        ]

    def __str__(self):
        start, end = timezone.localtime(self.start), timezone.localtime(self.end)
        return f"{self.agent}: {start:%d/%m/%Y %H:%M}–{end:%d/%m/%Y %H:%M}"

    def conflicts(self):
        """The agent's live shifts during this leave: someone else must take them."""
        return self.agent.assignments.filter(is_live=True, start__lt=self.end, end__gt=self.start)


class NotificationQuerySet(models.QuerySet):
    def due(self, now):
        return self.filter(status=Notification.Status.PENDING, next_attempt_at__lte=now)


class Notification(models.Model):
    """One message to one person on one channel: the outbox.

    The row exists before anything is sent; its unique key is what makes delivery happen
    once however often a task runs, and its status is the notification log."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Shift reminder")
        CHANGES = "changes", _("Roster changes")
        ESCALATION = "escalation", _("Escalation")
        GAPS = "gaps", _("Unfilled places")
        UNDELIVERED = "undelivered", _("Undelivered notification")
        LEAVE = "leave", _("Leave decision")
        MISSED_CALLS = "missed_calls", _("Missed calls")
        WELCOME = "welcome", _("Welcome")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    agent = models.ForeignKey(
        Agent, verbose_name=_("agent"), null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    to = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"))
    html_body = models.TextField(_("HTML message"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    enqueued_at = models.DateTimeField(_("enqueued at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The beat's every-minute question: what is pending and due?
            models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.to} ({self.get_status_display()})"


class RosterBuild(models.Model):
    """One run of the engine, queued from the API or a page and done by a Celery worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    lines = models.ManyToManyField(Line, verbose_name=_("lines"), related_name="+")
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    time_limit_s = models.FloatField(_("time limit (s)"), default=10)
    replan = models.BooleanField(
        _("re-plan"),
        default=False,
        help_text=_("Replacing an agent who cannot work: published at once, gaps included."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    roster = models.ForeignKey(
        Roster, verbose_name=_("roster"), null=True, blank=True, on_delete=models.SET_NULL, related_name="builds"
    )
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # A running build past this moment lost its worker: the sweeper marks it failed.
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("roster build")
        verbose_name_plural = _("roster builds")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="roster_build_end_not_before_start"),
        ]

    def __str__(self):
        return f"{self.start:%d/%m/%Y}–{self.end:%d/%m/%Y} ({self.get_status_display()})"


class ShiftChange(models.Model):
    """A shift given to or taken from an agent in a published roster, waiting to be told.

    Changes are told in one message per agent once they settle for a few minutes, so a
    director fixing a roster in five steps sends one SMS, not five."""

    class Change(models.TextChoices):
        ADDED = "added", _("Added")
        REMOVED = "removed", _("Removed")

    agent = models.ForeignKey(Agent, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="shift_changes")
    line = models.ForeignKey(Line, verbose_name=_("line"), on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    change = models.CharField(_("change"), max_length=8, choices=Change.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name = _("shift change")
        verbose_name_plural = _("shift changes")
        indexes = [
            # The beat's question: which agents have changes not yet told?
            models.Index(fields=["notified_at", "agent"], name="shift_change_pending_idx"),
        ]

    def __str__(self):
        return f"{self.agent}: {self.get_change_display()} {timezone.localtime(self.start):%d/%m %H:%M}"


class EscalationQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)


class Escalation(models.Model):
    """A shift under way with fewer agents checked in than it needs: raised once per shift.

    It goes to the unit's directors first; while nobody takes it in hand it climbs the unit
    tree (CDC → Sở Y tế) and reaches the hotline's operator."""

    shift = models.OneToOneField(Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="escalation")
    unit = models.ForeignKey(Unit, verbose_name=_("escalated to"), on_delete=models.PROTECT, related_name="escalations")
    level = models.PositiveSmallIntegerField(_("level"), default=0)
    missing = models.PositiveSmallIntegerField(_("agents missing"))
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    escalated_at = models.DateTimeField(_("escalated at"), default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken in hand by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("taken in hand at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    objects = EscalationQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        indexes = [
            # The beat's every-minute question (close, climb) and the dashboards: the open ones,
            # a handful among years of resolved escalations.
            models.Index(fields=["escalated_at"], condition=Q(resolved_at__isnull=True), name="escalation_open_idx"),
        ]

    def __str__(self):
        return f"{self.shift} – {self.missing}"

    def acknowledge(self, user, now=None):
        self.acknowledged_by = user
        self.acknowledged_at = now or timezone.now()
        self.save(update_fields=["acknowledged_by", "acknowledged_at"])


class PresenceEvent(models.Model):
    """An agent on duty logging in, out or pausing on the switchboard (from its queue_log):
    a login checks them in; a pause or logout during the shift is shown to the director."""

    class Event(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGOUT = "logout", _("Logged out")
        PAUSE = "pause", _("Paused")
        UNPAUSE = "unpause", _("Back from pause")

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="presence_events"
    )
    at = models.DateTimeField(_("at"))
    event = models.CharField(_("event"), max_length=16, choices=Event.choices)

    class Meta:
        ordering = ["at"]
        verbose_name = _("switchboard event")
        verbose_name_plural = _("switchboard events")
        constraints = [
            # A re-imported log records nothing twice.
            models.UniqueConstraint(fields=["assignment", "at", "event"], name="presence_event_once"),
        ]

    def __str__(self):
        return f"{self.assignment.agent} {self.get_event_display()} {timezone.localtime(self.at):%d/%m %H:%M}"


class SwapQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=[Swap.Status.OFFERED, Swap.Status.TAKEN])


class Swap(models.Model):
    """An agent offers one of their shifts; a colleague of the line takes it; a director
    approves when the unit wants it. Every step is checked by the engine's rules."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered")
        TAKEN = "taken", _("Taken, awaiting approval")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), null=True, on_delete=models.SET_NULL, related_name="swaps"
    )
    shift = models.ForeignKey(Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="swaps")
    offered_by = models.ForeignKey(
        Agent, verbose_name=_("offered by"), on_delete=models.CASCADE, related_name="swaps_offered"
    )
    taken_by = models.ForeignKey(
        Agent, verbose_name=_("taken by"), null=True, blank=True, on_delete=models.CASCADE, related_name="swaps_taken"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OFFERED)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("offered at"), default=timezone.now)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = SwapQuerySet.as_manager()

    class Meta:
        ordering = ["shift__start"]
        verbose_name = _("swap")
        verbose_name_plural = _("swaps")
        constraints = [
            # One open offer per assignment.
            models.UniqueConstraint(
                fields=["assignment"], condition=Q(status__in=["offered", "taken"]), name="swap_one_open_per_assignment"
            ),
        ]

    def __str__(self):
        return f"{self.offered_by} → {self.taken_by or '?'}: {self.shift}"


class DutyLogEntry(models.Model):
    """The duty log (sổ trực ban): what the agents on a shift note, and hand over to the next."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        PROBLEM = "problem", _("Problem")
        HANDOVER = "handover", _("Handover")

    shift = models.ForeignKey(Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="log_entries")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField(_("text"), max_length=4000)
    written_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        ordering = ["written_at", "pk"]
        verbose_name = _("duty log entry")
        verbose_name_plural = _("duty log entries")

    def __str__(self):
        return f"{self.shift} {self.get_kind_display()}: {self.text[:40]}"


class MissedCallAlert(models.Model):
    """A line missed too many calls in a short time; its agents on duty and directors were told.
    At most one a line per window (the line's missed_alert_minutes)."""

    line = models.ForeignKey(Line, verbose_name=_("line"), on_delete=models.CASCADE, related_name="missed_call_alerts")
    raised_at = models.DateTimeField(_("raised at"))
    missed = models.PositiveIntegerField(_("missed calls"))
    window_minutes = models.PositiveSmallIntegerField(_("within (minutes)"))

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("missed-call alert")
        verbose_name_plural = _("missed-call alerts")
        indexes = [models.Index(fields=["line", "raised_at"], name="missed_alert_line_idx")]

    def __str__(self):
        return f"{self.line} {timezone.localtime(self.raised_at):%d/%m %H:%M}: {self.missed}"


def new_link_token() -> str:
    # 64 random bits in 11 characters: short enough for an SMS, far too many to guess.
    return secrets.token_urlsafe(8)


class ActionLink(models.Model):
    """The short link an SMS carries (/s/<token>): it lets one agent act on one shift without
    signing in, and nothing else. Its actions are those of the message; each works once, and
    the link ends with the shift. A welcome link (no shift) leads a new agent to their password."""

    class Action(models.TextChoices):
        CONFIRM = "confirm", _("Confirm")
        CHECK_IN = "check_in", _("Check in")
        DECLINE = "decline", _("I cannot come")
        TAKE = "take", _("I will take this shift")
        SET_PASSWORD = "set_password", _("Choose a password")

    token = models.CharField(_("token"), max_length=32, unique=True, default=new_link_token, editable=False)
    agent = models.ForeignKey(Agent, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="action_links")
    shift = models.ForeignKey(
        Shift, verbose_name=_("shift"), null=True, blank=True, on_delete=models.CASCADE, related_name="action_links"
    )
    # The agent's place on the shift: theirs from the start, or once they take the shift.
    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actions = models.JSONField(_("actions"), default=list)
    # Each action done, with when: {"confirm": "2026-12-01T06:58:00+07:00"}.
    done = models.JSONField(_("done"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # When a link without a shift (a welcome) expires. A shift's link lasts until the shift
    # ends, read from the shift (ends_at): its end may move after the link is made, so the
    # copy kept here is only the end the shift had then.
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("SMS link")
        verbose_name_plural = _("SMS links")
        constraints = [
            # Every message about one shift to one agent carries the same link.
            models.UniqueConstraint(
                fields=["agent", "shift"], condition=Q(shift__isnull=False), name="action_link_once_per_agent_shift"
            ),
        ]

    def __str__(self):
        return f"{self.agent} {self.shift or ''} {','.join(self.actions)}"

    def get_absolute_url(self):
        return reverse("action_link", args=[self.token])

    @classmethod
    def for_shifts(cls, wanted) -> dict:
        """The links for `wanted` messages, (agent, shift, actions, assignment or None) each,
        as {(agent id, shift id): link}: each agent's one link for a shift, made on first use
        and offering these actions too. A handful of queries however many messages."""
        if not wanted:
            return {}
        pairs = Q()
        for agent, shift, _actions, _assignment in wanted:
            pairs |= Q(agent=agent, shift=shift)
        cls.objects.bulk_create(
            [
                cls(agent=agent, shift=shift, actions=list(actions), assignment=assignment, expires_at=shift.end)
                for agent, shift, actions, assignment in wanted
            ],
            # Two beat ticks, or a reminder and an escalation, may make the same link at once.
            ignore_conflicts=True,
        )
        links = {(link.agent_id, link.shift_id): link for link in cls.objects.filter(pairs)}
        changed = {}
        for agent, shift, actions, assignment in wanted:
            link = links[agent.pk, shift.pk]
            missing = [action for action in actions if action not in link.actions]
            # A rebuilt roster gives the agent a new assignment on the same shift.
            moved = assignment is not None and link.assignment_id != assignment.pk
            if missing or moved:
                link.actions = [*link.actions, *missing]
                link.assignment = assignment or link.assignment
                changed[link.pk] = link
        cls.objects.bulk_update(changed.values(), ["actions", "assignment"])
        return links

    @property
    def url(self) -> str:
        """The whole address, on SITE_URL, for a message read outside the site."""
        return settings.SITE_URL.rstrip("/") + self.get_absolute_url()

    @property
    def ends_at(self):
        return self.shift.end if self.shift_id else self.expires_at

    def is_expired(self, now) -> bool:
        return now >= self.ends_at

    # A spent link is kept this long, so that a late tap reads "this link has expired" rather
    # than "unknown link"; then it is deleted with its record of who did what.
    KEPT_AFTER_EXPIRY = datetime.timedelta(days=7)

    @classmethod
    def delete_spent(cls, now) -> int:
        """Delete the links that ended over KEPT_AFTER_EXPIRY ago; return how many."""
        before = now - cls.KEPT_AFTER_EXPIRY
        spent = Q(shift__end__lt=before) | Q(shift__isnull=True, expires_at__lt=before)
        deleted, _by_model = cls.objects.filter(spent).delete()
        return deleted


class UnitRules(models.Model):
    """A unit's optional labour rules for its agents' rosters (roster.solver.rules 8–16; docs/
    reference.md §4). Each empty field is a rule not applied; the rest hours, weekly rest and
    consecutive nights stay the engine's defaults and the weekly cap is each agent's."""

    unit = models.OneToOneField(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="roster_rules")
    max_shifts_per_day = models.PositiveSmallIntegerField(
        _("at most shifts a day"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    no_day_after_night = models.BooleanField(
        _("no day shift on the day after a night shift"),
        default=False,
        help_text=_(
            "A night shift is one with 3 hours or more between 22:00 and 06:00; every other shift is a day shift."
        ),
    )
    min_consecutive_days = models.PositiveSmallIntegerField(
        _("at least working days in a row"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(14)],
    )
    max_consecutive_days = models.PositiveSmallIntegerField(
        _("at most working days in a row"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    min_consecutive_days_off = models.PositiveSmallIntegerField(
        _("at least days off in a row"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    max_weekends = models.PositiveSmallIntegerField(
        _("at most working weekends in a roster"), null=True, blank=True, validators=[MaxValueValidator(53)]
    )
    max_night_shifts = models.PositiveSmallIntegerField(
        _("at most night shifts in a roster"), null=True, blank=True, validators=[MaxValueValidator(366)]
    )
    min_hours = models.PositiveSmallIntegerField(
        _("at least hours in a roster"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(8784)],
        help_text=_("A contract's minimum; an agent on leave part of the roster may still be short of it."),
    )
    max_hours = models.PositiveSmallIntegerField(
        _("at most hours in a roster"), null=True, blank=True, validators=[MaxValueValidator(8784)]
    )
    overtime_normal_week = models.PositiveSmallIntegerField(
        _("normal working week for overtime"),
        null=True,
        blank=True,
        choices=[(40, _("40 hours (public bodies)")), (48, _("48 hours"))],
        help_text=_("Hours beyond it are overtime (Labour Code, art. 107). Empty: overtime is not counted."),
    )
    overtime_per_month = models.PositiveSmallIntegerField(
        _("overtime at most per month"), default=40, validators=[MaxValueValidator(40)]
    )
    overtime_per_year = models.PositiveSmallIntegerField(
        _("overtime at most per year"),
        default=200,
        choices=[(200, _("200 hours")), (300, _("300 hours (where the unit may)"))],
        help_text=_("Counted within each roster: the engine does not know the overtime of earlier rosters."),
    )

    extra_agents_per_shift = models.PositiveSmallIntegerField(
        _("extra agents a shift may take"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(10)],
        help_text=_(
            "Beyond the agents a shift needs, on this unit's lines, only where a minimum of hours needs them. "
            "Empty: none."
        ),
    )

    class Meta:
        verbose_name = _("unit's roster rules")
        verbose_name_plural = _("units' roster rules")

    def __str__(self):
        return str(self.unit)

    def clean(self):
        low, high = self.min_hours, self.max_hours
        if low is not None and high is not None and low > high:
            raise ValidationError({"max_hours": _("The most hours cannot be fewer than the least.")})
        low, high = self.min_consecutive_days, self.max_consecutive_days
        if low is not None and high is not None and low > high:
            raise ValidationError(
                {"max_consecutive_days": _("The most working days in a row cannot be fewer than the least.")}
            )

    @classmethod
    def extra_agents(cls, unit_ids) -> dict:
        """{unit id: the extra agents a shift of its lines may take}, for the units that allow any."""
        allowing = cls.objects.filter(unit__in=unit_ids, extra_agents_per_shift__gt=0)
        return dict(allowing.values_list("unit_id", "extra_agents_per_shift"))

    def as_problem_rules(self) -> dict:
        """The rules set, as the problem JSON's `rules` keys (an agent's own `rules`)."""
        found = {
            name: getattr(self, name)
            for name in (
                "max_shifts_per_day",
                "min_consecutive_days",
                "max_consecutive_days",
                "min_consecutive_days_off",
                "max_weekends",
                "min_hours",
                "max_hours",
            )
            if getattr(self, name) is not None
        }
        if self.no_day_after_night:
            found["forbidden_successions"] = [{"from": NIGHT_TYPE, "to": DAY_TYPE}]
        if self.max_night_shifts is not None:
            found["max_shifts_per_type"] = {NIGHT_TYPE: self.max_night_shifts}
        if self.overtime_normal_week is not None:
            found["overtime"] = {
                "normal_hours_per_week": self.overtime_normal_week,
                "per_month": self.overtime_per_month,
                "per_year": self.overtime_per_year,
            }
        return found


# The shift types the engine's rules and requests name: a shift's type follows from its times.
DAY_TYPE, NIGHT_TYPE = "D", "N"


class Wish(models.Model):
    """An agent's wish for a day ahead: "I would rather (not) work on 24/12, night" — a
    weighted request of the roster problem, which the engine grants where the places and
    fairness allow."""

    class ShiftType(models.TextChoices):
        ANY = "", _("any shift")
        DAY = DAY_TYPE, _("the day shift")
        NIGHT = NIGHT_TYPE, _("the night shift")

    class Weight(models.IntegerChoices):
        NICE = 1, _("nice to have")
        IMPORTANT = 4, _("important")

    agent = models.ForeignKey(Agent, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="wishes")
    date = models.DateField(_("day"))
    shift_type = models.CharField(_("shift"), max_length=1, choices=ShiftType.choices, blank=True, default="")
    work = models.BooleanField(
        _("wish"), choices=[(False, _("I would rather not work")), (True, _("I would rather work"))], default=False
    )
    weight = models.PositiveSmallIntegerField(_("how much it matters"), choices=Weight.choices, default=Weight.NICE)
    created_at = models.DateTimeField(_("entered"), auto_now_add=True)

    class Meta:
        ordering = ["date", "shift_type"]
        verbose_name = _("wish")
        verbose_name_plural = _("wishes")
        constraints = [
            models.UniqueConstraint(fields=["agent", "date", "shift_type"], name="wish_one_per_agent_day_and_shift"),
        ]

    def __str__(self):
        return f"{self.agent} {self.date:%d/%m/%Y} {self.get_shift_type_display()}: {self.get_work_display()}"

    def as_request(self) -> dict:
        """The problem JSON's request for this wish."""
        request = {"date": self.date.isoformat(), "on": self.work, "weight": self.weight}
        if self.shift_type:
            request["type"] = self.shift_type
        return request
