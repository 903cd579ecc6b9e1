"""/metrics for Prometheus: the figures are read from the database when scraped, in a few queries."""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Min, Q
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest

from hotline.models import Line
from monitoring.models import BeatJob
from roster.models import Assignment, Escalation, Notification, RosterBuild, Shift

UNSTAFFED_HOURS = 24


@login_not_required
@never_cache
def metrics(request):
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not secrets.compare_digest(given.encode(), token.encode()):
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = "Bearer"
        return response
    return HttpResponse(generate_latest(collect(timezone.now())), content_type=CONTENT_TYPE_LATEST)


def collect(now) -> CollectorRegistry:
    # A registry of its own each scrape: nothing is kept between scrapes or shared by processes.
    registry = CollectorRegistry()

    pending = Gauge("trucban_outbox_pending", "Notifications waiting to be sent", ["channel"], registry=registry)
    failed = Gauge("trucban_outbox_failed", "Notifications that could not be delivered", ["channel"], registry=registry)
    for channel in Notification.Channel.values:
        pending.labels(channel).set(0)
        failed.labels(channel).set(0)
    counts = (
        Notification.objects.filter(status__in=[Notification.Status.PENDING, Notification.Status.FAILED])
        .values_list("channel", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for channel, status, count in counts:
        (pending if status == Notification.Status.PENDING else failed).labels(channel).set(count)

    oldest = Notification.objects.filter(status=Notification.Status.PENDING).aggregate(oldest=Min("created_at"))
    Gauge("trucban_outbox_oldest_pending_age_seconds", "Age of the oldest pending notification", registry=registry).set(
        (now - oldest["oldest"]).total_seconds() if oldest["oldest"] else 0
    )

    Gauge("trucban_escalations_open", "Escalations not resolved yet", registry=registry).set(
        Escalation.objects.open().count()
    )

    unstaffed = Gauge(
        "trucban_unstaffed_places_next_24h",
        "Places of published shifts in the next 24 hours that no agent holds",
        ["hotline", "line"],
        registry=registry,
    )
    labels = {}
    for pk, number, digit in Line.objects.filter(active=True, hotline__active=True).values_list(
        "pk", "hotline__number", "digit"
    ):
        labels[pk] = (number, str(digit))
        unstaffed.labels(number, str(digit)).set(0)
    shifts = (
        Shift.objects.published()
        .overlapping(now, now + datetime.timedelta(hours=UNSTAFFED_HOURS))
        .filter(line__in=labels)
        .annotate(holding=Count("assignments", filter=~Q(assignments__status__in=Assignment.NOT_HOLDING)))
        .values_list("line_id", "required", "holding")
    )
    for line_id, required, holding in shifts:
        unstaffed.labels(*labels[line_id]).inc(max(0, required - holding))

    age = Gauge("trucban_beat_job_age_seconds", "Seconds since the job's last run began", ["job"], registry=registry)
    duration = Gauge(
        "trucban_beat_job_duration_seconds", "How long the job's last run took", ["job"], registry=registry
    )
    for job in BeatJob.objects.all():
        age.labels(job.name).set((now - job.last_started_at).total_seconds())
        duration.labels(job.name).set(job.last_duration_ms / 1000)

    # A build records when it was queued and when it finished: its time includes the wait for a worker.
    build = (
        RosterBuild.objects.filter(finished_at__isnull=False)
        .order_by("-finished_at")
        .values("created_at", "finished_at")
        .first()
    )
    Gauge(
        "trucban_roster_build_last_seconds",
        "Time from queueing to the end of the last finished roster build",
        registry=registry,
    ).set((build["finished_at"] - build["created_at"]).total_seconds() if build else 0)
    return registry
