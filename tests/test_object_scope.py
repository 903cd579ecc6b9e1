"""Every write reaches only objects inside the writer's scope, and a refused write changes nothing.

The objects are those of line 2 of the demo (answered by the CDC, child unit of Sở Y tế).
The intruder is mostly the director of Sở LĐ-TB&XH (line 1 of the same hotline), or an agent
acting on a colleague's assignment. Each test reads the object back from the database after
the refused request and compares it with what it was before: a refusal that still wrote
something is a hole, whatever status it answered.

Rules beyond "not your line" (roster/policy.py):
  (a) a director edits only the agents of the units they direct and the units below; an agent
      of another unit who also answers their line may be put on and taken off that line's
      shifts, but their record and login are not the director's;
  (b) an agent import by a director refuses a row whose phone or email belongs to an agent or
      a login outside the director's units, as a bad row, never as an update;
  (c) switchboard events in a queue_log a director uploads check nobody in unless they name a
      queue of a line the director manages, for an agent on duty on that line.

The demo is loaded once for the module, in a transaction rolled back at its end; each test
runs in a savepoint inside it (pytest-django's `db`), so what one test writes the next
does not see.
"""

import datetime
import json

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation

from hotline.models import CallRecord, Hotline, Line, StaffingRequirement, Unit
from roster import policy
from roster.agent_import import read_agents
from roster.models import (
    Agent,
    Assignment,
    DutyLogEntry,
    Escalation,
    Leave,
    PresenceEvent,
    Roster,
    RosterBuild,
    Shift,
    Swap,
)

REFUSED = (400, 403, 404)


# The demo, once ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def language_put_back():
    """The pages here are read in English, and the language middleware leaves the last
    request's language active in this thread: put it back for the tests that follow."""
    language = translation.get_language()
    yield
    translation.activate(language)


# Helpers ---------------------------------------------------------------------------------------------


def page(username):
    """A browser signed in as this demo user, reading the site in English."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def state(obj):
    """The object as the database has it now (None once deleted): every column, and for an
    agent their lines and login."""
    fresh = type(obj).objects.filter(pk=obj.pk).first()
    if fresh is None:
        return None
    values = {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}
    if isinstance(fresh, Agent):
        values["lines"] = sorted(fresh.lines.values_list("pk", flat=True))
        values["login"] = (
            get_user_model()
            .objects.filter(pk=fresh.user_id)
            .values("username", "email", "first_name", "last_name", "is_active", "password")
            .first()
        )
    return values


def line(digit):
    return Line.objects.get(digit=digit)


def unit(code):
    return Unit.objects.get(code=code)


def the_agent():
    """The demo agent of line 2 (CDC), who signs in as "agent"."""
    return Agent.objects.get(user__username="agent")


def other_unit_agent_on_line_2():
    """An agent of Sở LĐ-TB&XH who answers line 1 and also line 2, with a login."""
    agent = Agent.objects.create(
        unit=unit("ldtbxh"),
        full_name="Trịnh Văn Kiên",
        phone="+84919876543",
        email="kien@ldtbxh.camau.gov.vn",
        extension="288",
    )
    agent.lines.set([line("1"), line("2")])
    agent.update_login()
    agent.save()
    return agent


def free_agent(unit_code, digit, start, end, exclude=()):
    """An active agent of this unit and line with no live shift overlapping [start, end)."""
    busy = Assignment.objects.filter(is_live=True, start__lt=end, end__gt=start).values("agent_id")
    return (
        Agent.objects.filter(unit__code=unit_code, lines__digit=digit, active=True)
        .exclude(pk__in=busy)
        .exclude(pk__in=[a.pk for a in exclude])
        .order_by("phone")
        .first()
    )


def published_assignment(agent, digit, start, hours=4, **fields):
    """A shift of its own published roster, with this agent on it."""
    roster = Roster.objects.create(
        start=timezone.localdate(start),
        end=timezone.localdate(start + datetime.timedelta(hours=hours)),
        status=Roster.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    roster.lines.set([line(digit)])
    shift = Shift.objects.create(
        roster=roster, line=line(digit), start=start, end=start + datetime.timedelta(hours=hours), required=1
    )
    return Assignment.objects.create(shift=shift, agent=agent, **fields)


def on_duty_now(unit_code, digit, extension, **fields):
    """An agent of this unit on duty on this line now, not checked in, with this extension."""
    start = timezone.now() - datetime.timedelta(hours=1)
    agent = free_agent(unit_code, digit, start, start + datetime.timedelta(hours=4))
    agent.extension = extension
    agent.save(update_fields=["extension"])
    return published_assignment(agent, digit, start, **fields)


def a_line_2_shift_without_the_agent():
    """A published shift of line 2 that the demo agent is not on: the one under way now, or the
    next when the engine put the agent on that one (the demo's roster is built anew each run)."""
    now = timezone.now()
    return (
        Shift.objects.published()
        .filter(line=line("2"), end__gt=now)
        .exclude(assignments__agent=the_agent())
        .order_by("start")
        .first()
    )


def coming(agent, digit="2", days=40, **fields):
    start = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=days), datetime.time(7))
    )
    return published_assignment(agent, digit, start, hours=12, **fields)


def draft_of_line_2(days=45):
    """A draft roster of line 2 alone, with one day shift for two and a CDC agent on it."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    roster = Roster.objects.create(start=day, end=day)
    roster.lines.set([line("2")])
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(7)))
    shift = Shift.objects.create(
        roster=roster, line=line("2"), start=start, end=start + datetime.timedelta(hours=12), required=2
    )
    colleague = Agent.objects.filter(unit__code="cdc", lines__digit="2").exclude(pk=the_agent().pk).first()
    assignment = Assignment.objects.create(shift=shift, agent=colleague)
    return roster, shift, assignment


def a_colleague(exclude=()):
    return (
        Agent.objects.filter(unit__code="cdc", lines__digit="2", active=True)
        .exclude(pk=the_agent().pk)
        .exclude(pk__in=[a.pk for a in exclude])
        .order_by("phone")
        .first()
    )


def agent_form_data(agent, **changes):
    """The agent form as the edit page would post it, with these changes (None unticks)."""
    data = {
        "full_name": agent.full_name,
        "phone": agent.phone,
        "email": agent.email,
        "extension": agent.extension,
        "unit": agent.unit_id,
        "lines": list(agent.lines.values_list("pk", flat=True)),
        "max_hours_per_week": agent.max_hours_per_week,
        "language": agent.language,
        "notify_by_sms": "on",
        "notify_by_email": "on",
        "active": "on",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


AGENT_CHANGES = {
    "rename": lambda: {"full_name": "Tên Bị Sửa"},
    "new phone": lambda: {"phone": "0918 000 111"},
    "new email": lambda: {"email": "hijacked@example.com"},
    "move to the intruder's unit and line": lambda: {"unit": unit("ldtbxh").pk, "lines": [line("1").pk]},
    "move into the cdc": lambda: {"unit": unit("cdc").pk, "lines": [line("2").pk]},
    "deactivate": lambda: {"active": None},
}


# (a) Agents' records -----------------------------------------------------------------------------------


@pytest.mark.parametrize("change", AGENT_CHANGES)
def test_a_director_of_another_unit_can_neither_open_nor_edit_a_cdc_agent(demo, change):
    agent = the_agent()
    before = state(agent)
    client = page("director-ldtbxh")

    assert client.get(f"/agents/{agent.pk}/").status_code in REFUSED
    response = client.post(f"/agents/{agent.pk}/", agent_form_data(agent, **AGENT_CHANGES[change]()))

    assert response.status_code in REFUSED
    assert state(agent) == before


@pytest.mark.parametrize("change", AGENT_CHANGES)
def test_the_cdc_director_cannot_edit_an_agent_of_another_unit_who_also_answers_line_2(demo, change):
    agent = other_unit_agent_on_line_2()
    before = state(agent)
    client = page("director")

    assert client.get(f"/agents/{agent.pk}/").status_code in REFUSED
    response = client.post(f"/agents/{agent.pk}/", agent_form_data(agent, **AGENT_CHANGES[change]()))

    assert response.status_code in REFUSED
    assert state(agent) == before


def test_the_cdc_director_may_still_put_that_agent_on_and_off_a_line_2_shift(demo, api):
    agent = other_unit_agent_on_line_2()
    _roster, shift, _assignment = draft_of_line_2()
    client = page("director")

    client.post(f"/shifts/{shift.pk}/add/", {"agent": agent.pk})
    added = Assignment.objects.get(shift=shift, agent=agent)
    client.post(f"/assignments/{added.pk}/remove/")
    assert not Assignment.objects.filter(shift=shift, agent=agent).exists()

    response = api("director").post("/api/v1/assignments/", {"shift": shift.pk, "agent": agent.pk}, format="json")
    assert response.status_code == 201, response.content
    assert api("director").delete(f"/api/v1/assignments/{response.json()['id']}/").status_code == 204
    assert not Assignment.objects.filter(shift=shift, agent=agent).exists()


@pytest.mark.parametrize(
    "where",
    [
        pytest.param(lambda: {"unit": unit("cdc").pk, "lines": [line("1").pk]}, id="in the cdc"),
        pytest.param(lambda: {"unit": unit("ldtbxh").pk, "lines": [line("2").pk]}, id="on line 2"),
    ],
)
def test_a_director_of_another_unit_cannot_create_an_agent_in_the_cdc_or_on_line_2(demo, where):
    data = {
        "full_name": "Người Mới",
        "phone": "0918 765 432",
        "email": "moi@example.com",
        "max_hours_per_week": 40,
        "language": "vi",
        "active": "on",
        **where(),
    }
    page("director-ldtbxh").post("/agents/new/", data)
    assert not Agent.objects.filter(phone="+84918765432").exists()


def test_a_director_of_another_unit_cannot_replan_a_cdc_agent(demo):
    agent = the_agent()
    shifts = set(Assignment.objects.filter(agent=agent).values_list("pk", "status", "is_live"))

    response = page("director-ldtbxh").post(f"/agents/{agent.pk}/replan/")

    assert response.status_code in REFUSED
    assert set(Assignment.objects.filter(agent=agent).values_list("pk", "status", "is_live")) == shifts


# (b) Importing agents ------------------------------------------------------------------------------------

HEADER = "full_name,phone,email,unit,lines,max_hours_per_week\n"


def import_csv(client, text, skip_bad=False):
    data = {"file": SimpleUploadedFile("agents.csv", (HEADER + text).encode())}
    if skip_bad:
        data["skip_bad"] = "on"
    return client.post("/agents/import/", data)


@pytest.mark.parametrize("skip_bad", [False, True], ids=["all or nothing", "skip bad rows"])
def test_an_import_row_with_the_phone_of_a_cdc_agent_is_a_bad_row_for_another_units_director(demo, skip_bad):
    agent = the_agent()
    before = state(agent)

    response = import_csv(
        page("director-ldtbxh"), f"Tên Bị Sửa,{agent.phone},kien2@example.com,ldtbxh,1,40\n", skip_bad=skip_bad
    )

    assert state(agent) == before
    assert not Agent.objects.filter(email="kien2@example.com").exists()
    if not skip_bad:
        assert response.status_code == 400
        assert "another unit" in response.content.decode()


@pytest.mark.parametrize(
    "email",
    [
        pytest.param(lambda: the_agent().email, id="a cdc agent's email"),
        pytest.param(lambda: get_user_model().objects.get(username="director").email, id="a cdc director's email"),
    ],
)
def test_an_import_row_with_the_email_of_a_login_outside_the_directors_units_is_a_bad_row(demo, email):
    address = email()
    logins = list(get_user_model().objects.filter(email__iexact=address).values())
    agent_before = state(the_agent())

    response = import_csv(page("director-ldtbxh"), f"Người Mới,0918 765 432,{address},ldtbxh,1,40\n")

    assert response.status_code == 400
    assert "data-import-errors" in response.content.decode()
    assert not Agent.objects.filter(phone="+84918765432").exists()
    assert list(get_user_model().objects.filter(email__iexact=address).values()) == logins
    assert state(the_agent()) == agent_before


def test_the_cdc_director_cannot_update_by_import_an_agent_of_another_unit_who_answers_line_2(demo):
    agent = other_unit_agent_on_line_2()
    before = state(agent)

    response = import_csv(page("director"), f"Tên Bị Sửa,{agent.phone},{agent.email},cdc,2,40\n")

    assert response.status_code == 400
    assert "another unit" in response.content.decode()
    assert state(agent) == before


def test_reading_a_file_for_a_director_names_the_row_of_another_units_agent(demo):
    """The check the import page (and any future director-scoped import) relies on."""
    units = policy.directed_units(get_user_model().objects.get(username="director-ldtbxh"))
    text = f"Tên Bị Sửa,{the_agent().phone},,ldtbxh,1,40\n"

    with translation.override("en"):
        checked = read_agents((HEADER + text).encode(), units=units)

    assert checked.rows == []
    assert [number for number, _why in checked.errors] == [2]
    assert "another unit" in checked.errors[0][1]


def test_an_import_into_another_units_code_is_a_bad_row(demo):
    response = import_csv(page("director-ldtbxh"), "Người Mới,0918 765 432,,cdc,2,40\n", skip_bad=True)
    assert response.status_code in (200, 302, 400)
    assert not Agent.objects.filter(phone="+84918765432").exists()


# Leave -------------------------------------------------------------------------------------------------


def requested_leave(agent):
    start = timezone.now() + datetime.timedelta(days=20)
    return Leave.objects.create(
        agent=agent, start=start, end=start + datetime.timedelta(days=1), status=Leave.Status.REQUESTED
    )


def decide_leave_as(username, leave, how, api):
    if how == "page approve":
        return page(username).post(f"/leave/{leave.pk}/decide/", {"decision": "approve"})
    if how == "page reject":
        return page(username).post(f"/leave/{leave.pk}/decide/", {"decision": "reject"})
    if how == "api approve":
        return api(username).post(f"/api/v1/leaves/{leave.pk}/approve/", {}, format="json")
    if how == "api reject":
        return api(username).post(f"/api/v1/leaves/{leave.pk}/reject/", {}, format="json")
    return api(username).delete(f"/api/v1/leaves/{leave.pk}/")


LEAVE_DECISIONS = ["page approve", "page reject", "api approve", "api reject", "api delete"]


@pytest.mark.parametrize("how", LEAVE_DECISIONS)
def test_a_director_of_another_unit_cannot_decide_a_cdc_agents_leave(demo, api, how):
    leave = requested_leave(a_colleague())
    before = state(leave)

    response = decide_leave_as("director-ldtbxh", leave, how, api)

    assert response.status_code in REFUSED
    assert state(leave) == before


@pytest.mark.parametrize("how", LEAVE_DECISIONS)
def test_the_cdc_director_cannot_decide_the_leave_of_an_agent_of_another_unit_who_answers_line_2(demo, api, how):
    leave = requested_leave(other_unit_agent_on_line_2())
    before = state(leave)

    response = decide_leave_as("director", leave, how, api)

    assert response.status_code in REFUSED
    assert state(leave) == before


@pytest.mark.parametrize("how", ["page", "api"])
def test_an_agent_cannot_withdraw_a_colleagues_leave(demo, api, how):
    leave = requested_leave(a_colleague())
    before = state(leave)

    if how == "page":
        response = page("agent").post(f"/me/leave/{leave.pk}/withdraw/")
    else:
        response = api("agent").delete(f"/api/v1/leaves/{leave.pk}/")

    assert response.status_code in REFUSED
    assert state(leave) == before


@pytest.mark.parametrize("username", ["director-ldtbxh", "agent"])
def test_nobody_enters_leave_for_an_agent_outside_their_scope(demo, api, username):
    colleague = a_colleague()
    start = timezone.now() + datetime.timedelta(days=25)
    response = api(username).post(
        "/api/v1/leaves/",
        {"agent": colleague.pk, "start": start.isoformat(), "end": (start + datetime.timedelta(days=1)).isoformat()},
        format="json",
    )
    assert response.status_code in REFUSED
    assert not Leave.objects.filter(agent=colleague, start=start).exists()


# Swaps -------------------------------------------------------------------------------------------------


def taken_swap():
    offering, taking = a_colleague(), a_colleague(exclude=[a_colleague()])
    assignment = coming(offering)
    return Swap.objects.create(
        assignment=assignment,
        shift=assignment.shift,
        offered_by=offering,
        taken_by=taking,
        taken_at=timezone.now(),
        status=Swap.Status.TAKEN,
    )


@pytest.mark.parametrize("how", ["page approve", "page reject", "api approve", "api reject"])
def test_a_director_of_another_unit_cannot_decide_a_line_2_swap(demo, api, how):
    swap = taken_swap()
    before, assignment_before = state(swap), state(swap.assignment)

    where, decision = how.split()
    if where == "page":
        response = page("director-ldtbxh").post(f"/swaps/{swap.pk}/decide/", {"decision": decision})
    else:
        response = api("director-ldtbxh").post(f"/api/v1/swaps/{swap.pk}/{decision}/", format="json")

    assert response.status_code in REFUSED
    assert state(swap) == before
    assert state(swap.assignment) == assignment_before


@pytest.mark.parametrize("how", ["page", "api"])
def test_an_agent_cannot_withdraw_a_colleagues_swap(demo, api, how):
    assignment = coming(a_colleague())
    swap = Swap.objects.create(assignment=assignment, shift=assignment.shift, offered_by=assignment.agent)
    before = state(swap)

    if how == "page":
        response = page("agent").post(f"/me/swaps/{swap.pk}/withdraw/")
    else:
        response = api("agent").delete(f"/api/v1/swaps/{swap.pk}/")

    assert response.status_code in REFUSED
    assert state(swap) == before


@pytest.mark.parametrize("how", ["page", "api"])
def test_an_agent_cannot_offer_a_colleagues_shift(demo, api, how):
    assignment = coming(a_colleague())

    if how == "page":
        response = page("agent").post(f"/me/assignments/{assignment.pk}/offer/")
    else:
        response = api("agent").post("/api/v1/swaps/", {"assignment": assignment.pk}, format="json")

    assert response.status_code in REFUSED
    assert not Swap.objects.filter(assignment=assignment).exists()


# Assignments, builds and publishing ------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["page", "api"])
def test_a_director_of_another_unit_cannot_add_anyone_to_a_line_2_shift(demo, api, how):
    _roster, shift, _assignment = draft_of_line_2()
    # Their own agent, who does answer line 2: only the scope can stop it.
    agent = other_unit_agent_on_line_2()
    before = set(shift.assignments.values_list("pk", "agent_id"))

    if how == "page":
        response = page("director-ldtbxh").post(f"/shifts/{shift.pk}/add/", {"agent": agent.pk})
    else:
        response = api("director-ldtbxh").post(
            "/api/v1/assignments/", {"shift": shift.pk, "agent": agent.pk}, format="json"
        )

    assert response.status_code in REFUSED
    assert set(shift.assignments.values_list("pk", "agent_id")) == before


@pytest.mark.parametrize("how", ["page remove", "page pin", "api delete"])
def test_a_director_of_another_unit_cannot_remove_or_pin_a_line_2_assignment(demo, api, how):
    _roster, _shift, assignment = draft_of_line_2()
    live = coming(a_colleague(exclude=[assignment.agent]))
    for target in (assignment, live):
        before = state(target)
        if how == "page remove":
            response = page("director-ldtbxh").post(f"/assignments/{target.pk}/remove/")
        elif how == "page pin":
            response = page("director-ldtbxh").post(f"/assignments/{target.pk}/pin/")
        else:
            response = api("director-ldtbxh").delete(f"/api/v1/assignments/{target.pk}/")
        assert response.status_code in REFUSED
        assert state(target) == before


@pytest.mark.parametrize("how", ["page", "api"])
def test_a_director_cannot_put_on_a_line_2_shift_an_agent_who_does_not_answer_it(demo, api, how):
    _roster, shift, _assignment = draft_of_line_2()
    outsider = Agent.objects.filter(unit__code="ldtbxh", active=True).exclude(lines__digit="2").first()

    if how == "page":
        page("director").post(f"/shifts/{shift.pk}/add/", {"agent": outsider.pk})
    else:
        response = api("director").post(
            "/api/v1/assignments/", {"shift": shift.pk, "agent": outsider.pk}, format="json"
        )
        assert response.status_code in REFUSED

    assert not shift.assignments.filter(agent=outsider).exists()


@pytest.mark.parametrize("how", ["page", "api"])
def test_a_director_of_another_unit_cannot_publish_a_line_2_draft(demo, api, how):
    roster, _shift, _assignment = draft_of_line_2()

    if how == "page":
        response = page("director-ldtbxh").post(f"/rosters/{roster.pk}/publish/", {"allow_gaps": "on"})
    else:
        response = api("director-ldtbxh").post(
            f"/api/v1/rosters/{roster.pk}/publish/", {"allow_gaps": True}, format="json"
        )

    assert response.status_code in REFUSED
    roster.refresh_from_db()
    assert roster.status == Roster.Status.DRAFT


@pytest.mark.parametrize("how", ["page", "api line 2", "api lines 1 and 2"])
def test_a_director_of_another_unit_cannot_build_line_2(demo, api, how):
    day = (timezone.localdate() + datetime.timedelta(days=50)).isoformat()
    builds = RosterBuild.objects.count()

    if how == "page":
        response = page("director-ldtbxh").post(f"/lines/{line('2').pk}/roster/build/", {"start": day, "end": day})
    else:
        lines = [line("2").pk] if how == "api line 2" else [line("1").pk, line("2").pk]
        response = api("director-ldtbxh").post(
            "/api/v1/rosters/build/", {"lines": lines, "start": day, "end": day}, format="json"
        )

    assert response.status_code in REFUSED
    assert RosterBuild.objects.count() == builds


# An agent's actions on someone else's assignment ---------------------------------------------------------------


def target_for(action):
    """A colleague's assignment in the state where `action` would succeed for its own agent."""
    if action in ("confirm", "decline"):
        return coming(a_colleague())
    start = timezone.now() - datetime.timedelta(hours=1)
    agent = free_agent("cdc", "2", start, start + datetime.timedelta(hours=4), exclude=[the_agent()])
    if action == "check-in":
        return published_assignment(agent, "2", start)
    return published_assignment(
        agent, "2", start, status=Assignment.Status.CHECKED_IN, checked_in_at=start + datetime.timedelta(minutes=5)
    )


@pytest.mark.parametrize("actor", ["agent", "other unit's agent"])
@pytest.mark.parametrize("via", ["page", "api"])
@pytest.mark.parametrize("action", ["check-in", "confirm", "decline", "check-out"])
def test_an_agent_cannot_act_on_someone_elses_assignment(demo, api, actor, via, action):
    username = "agent" if actor == "agent" else other_unit_agent_on_line_2().user.username
    assignment = target_for(action)
    before = state(assignment)

    if via == "page":
        response = page(username).post(f"/me/assignments/{assignment.pk}/{action}/")
    else:
        response = api(username).post(f"/api/v1/assignments/{assignment.pk}/{action}/", format="json")

    assert response.status_code in REFUSED
    assert state(assignment) == before


@pytest.mark.parametrize("action", ["check-in", "confirm", "decline", "check-out"])
def test_a_director_of_another_unit_cannot_act_on_a_line_2_assignment(demo, api, action):
    assignment = target_for(action)
    before = state(assignment)

    response = api("director-ldtbxh").post(f"/api/v1/assignments/{assignment.pk}/{action}/", format="json")

    assert response.status_code in REFUSED
    assert state(assignment) == before


# Calls and the switchboard ---------------------------------------------------------------------------------


def upload_calls(client, text, fmt):
    return client.post("/calls/", {"file": SimpleUploadedFile("calls.txt", text.encode()), "format": fmt})


def calls_of_line_2(fmt):
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=2)
    t0 = int(start.timestamp())
    if fmt == "asterisk-queue-log":
        return f"{t0}|scope-1|cm1022-2|NONE|ENTERQUEUE||0912345678|1\n{t0 + 30}|scope-1|cm1022-2|NONE|ABANDON|1|1|30\n"
    if fmt == "asterisk-csv":
        local = timezone.localtime(start).replace(tzinfo=None)
        stamp = f"{local:%Y-%m-%d %H:%M:%S}"
        end = f"{local + datetime.timedelta(seconds=30):%Y-%m-%d %H:%M:%S}"
        return (
            f'"","0912345678","1022","from-pstn","""Người gọi"" <0912345678>","SIP/trunk-1","",'
            f'"Queue","cm1022-2,t","{stamp}","","{end}","30","0","NO ANSWER","DOCUMENTATION","scope-1"\n'
        )
    record = {
        "id": "scope-1",
        "hotline": "0290.1022",
        "line": "2",
        "started_at": start.isoformat(),
        "answered_at": None,
        "ended_at": (start + datetime.timedelta(seconds=30)).isoformat(),
    }
    return json.dumps([record])


@pytest.mark.parametrize("fmt", ["asterisk-queue-log", "asterisk-csv", "json"])
def test_a_director_of_another_unit_cannot_upload_calls_into_line_2(demo, fmt):
    upload_calls(page("director-ldtbxh"), calls_of_line_2(fmt), fmt)
    assert not CallRecord.objects.filter(line=line("2")).exists()


def test_a_director_of_another_unit_cannot_post_calls_of_line_2_to_the_api(demo, api):
    response = api("director-ldtbxh").post("/api/v1/calls/", json.loads(calls_of_line_2("json")), format="json")
    assert response.status_code in REFUSED
    assert not CallRecord.objects.exists()


def switchboard_log(extension, queue, event):
    at = int(timezone.now().timestamp()) - 60
    return f"{at}|NONE|{queue}|SIP/{extension}|{event}|\n"


def test_a_directors_upload_checks_their_own_agent_in_from_their_lines_queue(demo):
    """The control for the refusals below: the same upload, in scope, does check in."""
    assignment = on_duty_now("cdc", "2", "277")

    upload_calls(page("director"), switchboard_log("277", "cm1022-2", "ADDMEMBER"), "asterisk-queue-log")

    assignment.refresh_from_db()
    assert assignment.checked_in_at is not None


SWITCHBOARD_EVENTS = ["AGENTLOGIN", "UNPAUSE", "ADDMEMBER"]

OUT_OF_SCOPE_UPLOADS = [
    # uploader, target agent's unit and line, queue named in the file
    ("director-ldtbxh", "cdc", "2", "cm1022-1"),  # the uploader's own queue
    ("director-ldtbxh", "cdc", "2", "cm1022-2"),  # the target's queue, not the uploader's
    ("director-ldtbxh", "cdc", "2", "NONE"),
    ("director-ldtbxh", "cdc", "2", "no-such-queue"),
    ("director", "ldtbxh", "1", "cm1022-2"),  # the uploader's queue, but the agent is on line 1
    ("director", "ldtbxh", "1", "cm1022-1"),
    ("director", "ldtbxh", "1", "NONE"),
    ("director", "ldtbxh", "1", "no-such-queue"),
    # Even the director's own agent: an event outside their queues is nobody's to trust.
    ("director", "cdc", "2", "NONE"),
    ("director", "cdc", "2", "no-such-queue"),
]


@pytest.mark.parametrize("event", SWITCHBOARD_EVENTS)
@pytest.mark.parametrize(
    ("uploader", "unit_code", "digit", "queue"),
    OUT_OF_SCOPE_UPLOADS,
    ids=[f"{u} queue {q} agent of {c} line {d}" for u, c, d, q in OUT_OF_SCOPE_UPLOADS],
)
def test_a_directors_upload_checks_nobody_in_outside_their_scope(demo, uploader, unit_code, digit, queue, event):
    assignment = on_duty_now(unit_code, digit, "277")
    before = state(assignment)

    upload_calls(page(uploader), switchboard_log("277", queue, event), "asterisk-queue-log")

    assignment.refresh_from_db()
    assert assignment.checked_in_at is None
    assert state(assignment) == before
    assert not PresenceEvent.objects.filter(assignment=assignment).exists()


# Staffing, duty log, escalations, the wall screen ------------------------------------------------------------


def requirements_of_line_2():
    return sorted(StaffingRequirement.objects.filter(line=line("2")).values_list("weekday", "start", "end", "required"))


@pytest.mark.parametrize("username", ["director-ldtbxh", "agent"])
@pytest.mark.parametrize("how", ["page", "api"])
def test_nobody_outside_line_2_applies_its_staffing(demo, api, username, how):
    before = requirements_of_line_2()

    if how == "page":
        response = page(username).post(f"/lines/{line('2').pk}/staffing/", {"weeks": 4})
    else:
        response = api(username).post("/api/v1/staffing/", {"line": "2", "hotline": "0290.1022"}, format="json")

    assert response.status_code in REFUSED
    assert requirements_of_line_2() == before


@pytest.mark.parametrize("username", ["director-ldtbxh", "agent"])
def test_nobody_writes_in_the_duty_log_of_a_line_2_shift_they_neither_manage_nor_hold(demo, username):
    shift = a_line_2_shift_without_the_agent()
    entries = list(DutyLogEntry.objects.filter(shift=shift).values_list("pk", flat=True))

    response = page(username).post(f"/shifts/{shift.pk}/log/", {"kind": "note", "text": "Ghi trộm"})

    assert response.status_code in REFUSED
    assert list(DutyLogEntry.objects.filter(shift=shift).values_list("pk", flat=True)) == entries


def test_a_director_of_another_unit_cannot_take_a_line_2_escalation_in_hand(demo):
    shift = a_line_2_shift_without_the_agent()
    escalation = Escalation.objects.create(shift=shift, unit=unit("cdc"), missing=1)
    before = state(escalation)

    response = page("director-ldtbxh").post(f"/escalations/{escalation.pk}/acknowledge/")

    assert response.status_code in REFUSED
    assert state(escalation) == before


@pytest.mark.parametrize("username", ["director", "director-ldtbxh", "agent"])
def test_only_the_hotlines_operator_gives_its_wall_screen_a_new_key(demo, username):
    hotline = Hotline.objects.get(number="0290.1022")
    before = state(hotline)

    response = page(username).post(f"/hotlines/{hotline.pk}/board-key/")

    assert response.status_code in REFUSED
    assert state(hotline) == before
