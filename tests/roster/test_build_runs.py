"""Long work never inside a request: builds and re-plans run on a worker, solve without holding
a lock, refuse to overwrite a draft changed meanwhile, and a build whose worker died is swept."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hotline.models import Line
from roster import services, solver, tasks
from roster.models import Assignment, Leave, PublicHoliday, Roster, RosterBuild, Shift
from roster.services import (
    RosterError,
    assignment_remove,
    roster_build,
    roster_build_read,
    roster_build_run,
    roster_build_solve,
    roster_build_write,
)
from tests.factories import MONDAY

CHANGED = "Lịch trực đã thay đổi trong khi đang xếp — hãy xếp lại."
WORKER_STOPPED = "Tiến trình xếp lịch đã dừng trước khi xếp xong; hãy xếp lại."
SUNDAY = MONDAY + datetime.timedelta(days=6)


def draft_of(line):
    return roster_build(lines=[line], start=MONDAY, end=SUNDAY, time_limit_s=2).roster


def holding(roster):
    return set(Assignment.objects.filter(shift__roster=roster).values_list("pk", "shift_id", "agent_id", "pinned"))


def queued_build(line, time_limit_s=2):
    build = RosterBuild.objects.create(start=MONDAY, end=SUNDAY, time_limit_s=time_limit_s)
    build.lines.set([line])
    return build


@pytest.mark.django_db
def test_a_build_does_not_write_a_solution_of_a_draft_that_changed_while_it_was_solved(line):
    draft = draft_of(line)
    plan = roster_build_read(lines=[line], start=MONDAY, end=SUNDAY, time_limit_s=2)
    solution = roster_build_solve(plan=plan)
    # Meanwhile a director takes an agent off a shift; the solution would put someone back.
    assignment_remove(assignment=Assignment.objects.filter(shift__roster=draft).order_by("start").first())
    before = holding(draft)

    with pytest.raises(RosterError, match=CHANGED):
        roster_build_write(plan=plan, solution=solution)

    assert holding(draft) == before


@pytest.mark.django_db(transaction=True)
def test_while_the_engine_solves_another_connection_edits_the_roster_and_the_build_then_fails(line, monkeypatch):
    draft = draft_of(line)
    removed = Assignment.objects.filter(shift__roster=draft).order_by("start").first()
    seen = {}

    def director_removes_an_agent():
        try:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '2s'")  # a held lock fails fast instead of waiting
            assignment_remove(assignment=removed)
        except Exception as e:  # reported to the test below
            seen["error"] = e
        finally:
            connection.close()

    real_solve = solver.solve

    def solve_while_a_director_edits(problem):
        seen["in_transaction"] = connection.in_atomic_block
        other = threading.Thread(target=director_removes_an_agent)
        other.start()
        other.join(timeout=30)
        return real_solve(problem)

    monkeypatch.setattr(solver, "solve", solve_while_a_director_edits)
    build = queued_build(line)
    roster_build_run(build_id=build.pk)

    assert seen == {"in_transaction": False}, "the edit went through at once: no lock was held"
    build.refresh_from_db()
    assert (build.status, build.error) == (RosterBuild.Status.FAILED, CHANGED)
    assert not Assignment.objects.filter(pk=removed.pk).exists(), "the build did not put the removed agent back"
    shift = Shift.objects.get(pk=removed.shift_id)
    assert shift.assignments.count() == shift.required - 1


@pytest.mark.django_db
def test_every_hand_edit_and_publishing_count_as_a_change_of_the_roster(line):
    draft = draft_of(line)
    versions = [Roster.objects.get(pk=draft.pk).version]
    assignment = Assignment.objects.filter(shift__roster=draft).first()
    services.assignment_pin(assignment=assignment, pinned=True)
    versions.append(Roster.objects.get(pk=draft.pk).version)
    services.assignment_remove(assignment=assignment)
    versions.append(Roster.objects.get(pk=draft.pk).version)
    services.assignment_add(shift=assignment.shift, agent=assignment.agent)
    versions.append(Roster.objects.get(pk=draft.pk).version)
    services.roster_publish(roster=draft)
    versions.append(Roster.objects.get(pk=draft.pk).version)
    assert versions == sorted(set(versions)), versions


def test_a_build_whose_worker_died_is_failed_by_the_sweeper_and_can_be_started_again(login, monkeypatch):
    client = login("director")
    line = Line.objects.get(digit="2")
    start = timezone.localdate() + datetime.timedelta(days=20)
    period = {"start": start.isoformat(), "end": (start + datetime.timedelta(days=6)).isoformat()}
    client.post(f"/lines/{line.pk}/roster/build/", period)
    build = RosterBuild.objects.latest("pk")

    def killed(**kwargs):
        raise SystemExit("the worker was killed")

    monkeypatch.setattr(services, "roster_build_read", killed)
    with pytest.raises(SystemExit):
        roster_build_run(build_id=build.pk)
    monkeypatch.undo()
    build.refresh_from_db()
    assert build.status == RosterBuild.Status.RUNNING
    assert build.deadline == build.started_at + datetime.timedelta(seconds=build.time_limit_s, minutes=2)

    with time_machine.travel(build.deadline - datetime.timedelta(seconds=30)):
        tasks.sweep_roster_builds()
    build.refresh_from_db()
    assert build.status == RosterBuild.Status.RUNNING, "not yet overdue"

    with time_machine.travel(build.deadline + datetime.timedelta(seconds=30)):
        tasks.sweep_roster_builds()
    build.refresh_from_db()
    assert (build.status, build.error) == (RosterBuild.Status.FAILED, WORKER_STOPPED)
    page = client.get(f"/lines/{line.pk}/roster/?start={period['start']}&end={period['end']}&build={build.pk}")
    assert WORKER_STOPPED in page.content.decode()

    client.post(f"/lines/{line.pk}/roster/build/", period)
    again = RosterBuild.objects.latest("pk")
    roster_build_run(build_id=again.pk)
    again.refresh_from_db()
    assert again.pk != build.pk and again.status == RosterBuild.Status.DONE


@pytest.mark.django_db
def test_a_build_the_sweeper_gave_up_on_writes_nothing_when_its_worker_comes_back(line, monkeypatch):
    real_solve = services.roster_build_solve

    def solve_slowly(*, plan):
        services.roster_build_sweep(now=timezone.now() + datetime.timedelta(minutes=10))
        return real_solve(plan=plan)

    monkeypatch.setattr(services, "roster_build_solve", solve_slowly)
    build = queued_build(line)
    roster_build_run(build_id=build.pk)

    build.refresh_from_db()
    assert (build.status, build.error, build.roster) == (RosterBuild.Status.FAILED, WORKER_STOPPED, None)
    assert not Assignment.objects.filter(source=Assignment.Source.SOLVER).exists()


def test_approving_leave_with_a_replan_on_the_page_leads_to_the_builds_progress(login):
    client = login("director")
    own = Assignment.objects.filter(
        agent__user__username="agent", is_live=True, start__gt=timezone.now() + datetime.timedelta(days=2)
    ).first()
    day = timezone.localtime(own.start).replace(hour=0, minute=0)
    leave = Leave.objects.create(agent=own.agent, start=day, end=day + datetime.timedelta(days=1))

    response = client.post(f"/leave/{leave.pk}/decide/", {"decision": "approve", "replan": "1"})

    build = RosterBuild.objects.get(replan=True)
    assert response.status_code == 302 and f"build={build.pk}" in response["Location"]
    assert 'id="build-progress"' in client.get(response["Location"]).content.decode()
    assert Assignment.objects.filter(pk=own.pk, is_live=True).exists(), "the request did not run the engine"

    roster_build_run(build_id=build.pk)  # what the worker does

    assert client.get(f"/builds/{build.pk}/")["HX-Redirect"] == response["Location"]
    assert not Assignment.objects.filter(pk=own.pk, is_live=True).exists()


def test_checking_an_agent_on_a_shift_writes_nothing(login):
    client = login("director")
    shift = Shift.objects.published().filter(line__digit="2").order_by("-start").first()
    agent = shift.line.agents.filter(active=True).exclude(assignments__shift=shift).first()
    PublicHoliday.objects.all().delete()  # reading a plan used to seed the missing years

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/shifts/{shift.pk}/check/?agent={agent.pk}")

    assert response.status_code == 200
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert not PublicHoliday.objects.exists()


@pytest.mark.django_db
def test_a_queued_build_no_worker_takes_is_failed_after_ten_minutes_and_a_late_worker_leaves_it(line):
    build = queued_build(line)
    services.roster_build_sweep(now=timezone.now() + datetime.timedelta(minutes=9))
    build.refresh_from_db()
    assert build.status == RosterBuild.Status.QUEUED, "a busy queue may take a few minutes"

    services.roster_build_sweep(now=timezone.now() + datetime.timedelta(minutes=11))
    build.refresh_from_db()
    assert build.status == RosterBuild.Status.FAILED
    assert build.error == "Không có tiến trình nào nhận việc xếp lịch trong 10 phút (xem /healthz); hãy xếp lại."

    roster_build_run(build_id=build.pk)  # the lost message turns up after all
    build.refresh_from_db()
    assert build.status == RosterBuild.Status.FAILED and build.roster is None
