"""One agent can never hold two overlapping live assignments."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from roster.models import Assignment, Notification, Roster, ShiftChange
from roster.notifications import reminders
from roster.services import roster_publish
from tests.factories import AgentFactory, AssignmentFactory, RosterFactory, ShiftFactory

TZ = timezone.get_fixed_timezone(7 * 60)
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the exclusion constraint exists on PostgreSQL only"
)


def at(day, hour):
    return datetime.datetime(2026, 12, day, hour, 0, tzinfo=TZ)


@pytest.fixture
def agent(db):
    return AgentFactory(full_name="Trần Văn Phúc")


@pytest.fixture
def day_shift(db):
    return ShiftFactory(start=at(1, 7), end=at(1, 19))


@pytest.fixture
def overlapping_shift(db):
    """Another line's shift that overlaps the day shift by five hours."""
    return ShiftFactory(start=at(1, 14), end=at(1, 22))


@pytest.mark.django_db
def test_validation_refuses_a_second_overlapping_shift(agent, day_shift, overlapping_shift):
    AssignmentFactory(agent=agent, shift=day_shift)
    second = Assignment(agent=agent, shift=overlapping_shift)
    with pytest.raises(ValidationError, match="Trần Văn Phúc đã có ca trực vào thời gian này"):
        second.full_clean()


@pytest.mark.django_db
def test_back_to_back_shifts_do_not_overlap(agent, day_shift):
    AssignmentFactory(agent=agent, shift=day_shift)
    night = ShiftFactory(start=at(1, 19), end=at(2, 7))
    Assignment(agent=agent, shift=night).full_clean()


@pytest.mark.django_db
def test_a_declined_or_draft_assignment_does_not_hold_the_agent(agent, day_shift, overlapping_shift):
    AssignmentFactory(agent=agent, shift=day_shift, status=Assignment.Status.DECLINED)
    draft = ShiftFactory(start=at(1, 9), end=at(1, 17), roster__status=Roster.Status.DRAFT)
    AssignmentFactory(agent=agent, shift=draft)
    Assignment(agent=agent, shift=overlapping_shift).full_clean()


@on_postgresql
@pytest.mark.django_db
def test_the_database_refuses_an_overlap_that_skipped_validation(agent, day_shift, overlapping_shift):
    AssignmentFactory(agent=agent, shift=day_shift)
    with pytest.raises(IntegrityError, match=Assignment.OVERLAP_CONSTRAINT), transaction.atomic():
        AssignmentFactory(agent=agent, shift=overlapping_shift)


@on_postgresql
@pytest.mark.django_db
def test_publishing_a_roster_that_double_books_fails_and_leaves_it_a_draft(agent, day_shift):
    draft = RosterFactory(status=Roster.Status.DRAFT)
    AssignmentFactory(agent=agent, shift=ShiftFactory(roster=draft, start=at(1, 14), end=at(1, 22)))
    AssignmentFactory(agent=agent, shift=day_shift)
    with pytest.raises(IntegrityError, match=Assignment.OVERLAP_CONSTRAINT):
        roster_publish(roster=draft, by=None)
    draft.refresh_from_db()
    assert draft.status == Roster.Status.DRAFT
    assert not Assignment.objects.filter(shift__roster=draft, is_live=True).exists()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_directors_booking_one_agent_at_once_get_one_booking(agent, day_shift, overlapping_shift):
    """Both pass validation, since neither sees the other's uncommitted row; the database decides.

    PostgreSQL refuses the loser either as an exclusion violation or, when both inserts
    wait on each other while checking the constraint, as a deadlock; either way one booking.
    """
    both_validated = threading.Barrier(2, timeout=10)
    outcomes = {}

    def book(shift):
        try:
            with transaction.atomic():
                assignment = Assignment(agent=agent, shift=shift)
                assignment.full_clean()
                both_validated.wait()
                assignment.save()
            outcomes[shift.pk] = "booked"
        except (IntegrityError, OperationalError) as error:
            outcomes[shift.pk] = str(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(shift,)) for shift in (day_shift, overlapping_shift)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    booked, refused = sorted(outcomes.values(), key=len)
    assert booked == "booked"
    assert Assignment.OVERLAP_CONSTRAINT in refused or "exclusion constraint" in refused
    assert Assignment.objects.filter(agent=agent, is_live=True).count() == 1


def shift_change_data(shift, assignment, start, end):
    """The admin's change form of a shift with new times and its one assignment as it was."""
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    return {
        "roster": shift.roster_id,
        "line": shift.line_id,
        "pattern": "",
        "start_0": f"{local_start:%Y-%m-%d}",
        "start_1": f"{local_start:%H:%M:%S}",
        "end_0": f"{local_end:%Y-%m-%d}",
        "end_1": f"{local_end:%H:%M:%S}",
        "required": shift.required,
        "assignments-TOTAL_FORMS": 1,
        "assignments-INITIAL_FORMS": 1,
        "assignments-MIN_NUM_FORMS": 0,
        "assignments-MAX_NUM_FORMS": 1000,
        "assignments-0-id": assignment.pk,
        "assignments-0-shift": shift.pk,
        "assignments-0-agent": assignment.agent_id,
        "assignments-0-status": assignment.status,
        "assignments-0-source": assignment.source,
    }


@pytest.mark.django_db
def test_new_times_of_a_shift_reach_its_agents_shifts(admin_client, agent, day_shift):
    """The agent's own list of shifts, reminders and the double-booking guard read the
    assignment's copy of the times: an admin who moves the shift moves them too."""
    assignment = AssignmentFactory(agent=agent, shift=day_shift)
    response = admin_client.post(
        f"/admin/roster/shift/{day_shift.pk}/change/",
        shift_change_data(day_shift, assignment, at(1, 8), at(1, 20)),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assignment.refresh_from_db()
    assert (assignment.start, assignment.end) == (at(1, 8), at(1, 20))
    # Its history shows the move.
    latest = assignment.history.order_by("-history_date", "-history_id").first()
    assert (latest.start, latest.end, latest.history_change_reason) == (at(1, 8), at(1, 20), "shift moved")
    # A build that read the shift's old times is refused when it writes.
    version = day_shift.roster.version
    day_shift.roster.refresh_from_db()
    assert day_shift.roster.version == version + 1
    # ... so a shift that overlaps the new hours only is now refused, and the old hours are free.
    with pytest.raises(ValidationError):
        Assignment(agent=agent, shift=ShiftFactory(start=at(1, 19), end=at(1, 23))).full_clean()
    Assignment(agent=agent, shift=ShiftFactory(start=at(1, 6), end=at(1, 8))).full_clean()


@pytest.mark.django_db
def test_moving_a_shift_onto_another_of_its_agents_shifts_is_refused(admin_client, agent, day_shift):
    assignment = AssignmentFactory(agent=agent, shift=day_shift)
    AssignmentFactory(agent=agent, shift=ShiftFactory(start=at(1, 19), end=at(2, 7)))
    response = admin_client.post(
        f"/admin/roster/shift/{day_shift.pk}/change/",
        shift_change_data(day_shift, assignment, at(1, 13), at(2, 1)),
    )
    assert response.status_code == 200
    assert "Trần Văn Phúc đã có ca trực vào thời gian này" in response.content.decode()
    day_shift.refresh_from_db()
    assignment.refresh_from_db()
    assert (day_shift.start, assignment.start) == (at(1, 7), at(1, 7))


@pytest.mark.django_db
def test_the_agents_of_a_moved_published_shift_are_told_and_reminded_for_the_new_time(admin_client, agent, day_shift):
    assignment = AssignmentFactory(agent=agent, shift=day_shift)
    the_day_before = day_shift.start - datetime.timedelta(hours=24)
    assert reminders.create_due_reminders(the_day_before) > 0
    admin_client.post(
        f"/admin/roster/shift/{day_shift.pk}/change/",
        shift_change_data(day_shift, assignment, at(1, 8), at(1, 20)),
    )

    told = set(ShiftChange.objects.filter(agent=agent).values_list("change", "start", "end"))
    assert told == {("removed", at(1, 7), at(1, 19)), ("added", at(1, 8), at(1, 20))}
    # The reminder made for 7:00 is gone; the next beat makes it for 8:00.
    assert not Notification.objects.filter(assignment=assignment).exists()
    reminders.create_due_reminders(at(1, 8) - datetime.timedelta(hours=24))
    due = set(Notification.objects.filter(assignment=assignment).values_list("next_attempt_at", flat=True))
    assert due == {at(1, 8) - datetime.timedelta(hours=24)}
