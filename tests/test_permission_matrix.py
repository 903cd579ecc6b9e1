"""Every URL of the project, asked by every role, against a declared table of answers.

The table (EXPECTED) has one row per URL name. A route that is not in the table fails
`test_every_url_pattern_has_a_row_in_the_table`, so no new page or endpoint can go
without someone deciding who may use it.

The objects in the URLs belong to line 2 of the demo (answered by the CDC), so the
director of the CDC, the hotline's operator and the admin manage them, while the director
of Sở LĐ-TB&XH ("other", line 1 of the same hotline) must be refused. The agent is the
demo agent of line 2; "their own" objects are theirs only where the row says so.

Columns, in this order:   anon   agent   other   director   operator   admin

Outcomes:
  ok     2xx
  go     a redirect somewhere other than a sign-in page
  login  a redirect to a sign-in page (/accounts/login/ or /admin/login/)
  anon   401 or 403: the API's answer to nobody
  no     a refusal: 400, 403 or 404 (which one is the view's business; none leaks the object)
  405    and any other number: exactly that status
  -      not asked (a POST that would be allowed is never made: it would change the data
         the later rows look at)
"""

import datetime
import logging
from dataclasses import dataclass, field
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from hotline.models import Hotline, Line, Unit
from roster.models import (
    ActionLink,
    Agent,
    Assignment,
    Escalation,
    Leave,
    Notification,
    Roster,
    RosterBuild,
    Shift,
    Swap,
    Wish,
)

ROLES = ["anon", "agent", "other", "director", "operator", "admin"]
USERNAMES = {
    "anon": None,
    "agent": "agent",
    "other": "director-ldtbxh",
    "director": "director",
    "operator": "operator",
    "admin": "admin",
}

# Of the admin site only its front door is ours to check; its inner pages are Django's.
ADMIN_PAGES_CHECKED = {"admin:index", "admin:login"}


@dataclass
class Row:
    """What each role gets from one URL name. `kw` names the demo objects that fill the
    URL's parameters; `query` and `data` are the GET query and the POST body."""

    get: str
    post: str | None = None
    delete: str | None = None
    kw: dict = field(default_factory=dict)
    query: str = ""
    data: object = None


# The API's read-only reference data (units, hotlines, lines) is shared by everyone working
# on a hotline, so the director of line 1 reads line 2's unit and line: by design.
EXPECTED = {
    # Every outcome string reads: anon agent other director operator admin.
    # Django's admin: its front door only.
    "admin:index": Row(get="login  login  login  login  login  ok"),
    "admin:login": Row(get="ok     ok     ok     ok     ok     go"),
    # Signing in and out, passwords.
    "login": Row(get="ok     ok     ok     ok     ok     ok"),
    "logout": Row(get="login  405    405    405    405    405"),
    "password_change": Row(get="login  ok     ok     ok     ok     ok"),
    "password_change_done": Row(get="login  ok     ok     ok     ok     ok"),
    "password_reset": Row(get="ok     ok     ok     ok     ok     ok"),
    "password_reset_done": Row(get="ok     ok     ok     ok     ok     ok"),
    "password_reset_confirm": Row(
        get="ok     ok     ok     ok     ok     ok", kw={"uidb64": "reset_uid", "token": "reset_token"}
    ),
    "password_reset_complete": Row(get="ok     ok     ok     ok     ok     ok"),
    # A new account's page to choose its password (the welcome's link): the token is the key.
    "welcome_password": Row(
        get="ok     ok     ok     ok     ok     ok", kw={"uidb64": "reset_uid", "token": "reset_token"}
    ),
    "set_language": Row(get="go     go     go     go     go     go"),
    "healthz": Row(get="ok     ok     ok     ok     ok     ok"),
    # Prometheus's: closed (404) without METRICS_TOKEN, and a session never opens it (tests/monitoring).
    "metrics": Row(get="no     no     no     no     no     no"),
    # API: tokens.
    "api_token": Row(get="405    405    405    405    405    405"),
    "api_logout": Row(get="anon   405    405    405    405    405", post="anon   -      -      -      -      -"),
    "api_logout_all": Row(get="anon   405    405    405    405    405", post="anon   -      -      -      -      -"),
    # API: who is on duty, coverage, one's own shifts, staffing.
    "api_oncall": Row(get="anon   ok     ok     ok     ok     ok"),
    "api_coverage": Row(get="anon   ok     ok     ok     ok     ok", query="line=2&start={today}&end={today}"),
    "api_my_shifts": Row(get="anon   ok     ok     ok     ok     ok"),
    "api_staffing_calculator": Row(
        get="anon   ok     ok     ok     ok     ok", query="calls_per_hour=30&aht_seconds=180"
    ),
    "api_staffing": Row(
        get="anon   no     no     ok     ok     ok",
        post="anon   no     no     -      -      -",
        query="line=2",
        data={"line": "2"},
    ),
    # API: a cloud switchboard's webhooks: the hotline's signature is the only key, whoever asks.
    "api_switchboard_events": Row(
        get="405    405    405    405    405    405",
        post="anon   no     no     no     no     no",
        data={"hotline": "hotline_number", "events": []},
    ),
    # API: reference data.
    "unit-list": Row(get="anon   ok     ok     ok     ok     ok"),
    "unit-detail": Row(get="anon   ok     ok     ok     ok     ok", kw={"pk": "unit"}),
    "hotline-list": Row(get="anon   ok     ok     ok     ok     ok"),
    "hotline-detail": Row(get="anon   ok     ok     ok     ok     ok", kw={"pk": "hotline"}),
    "line-list": Row(get="anon   ok     ok     ok     ok     ok"),
    "line-detail": Row(get="anon   ok     ok     ok     ok     ok", kw={"pk": "line"}),
    # API: agents, rosters, builds, shifts.
    "agent-list": Row(get="anon   ok     ok     ok     ok     ok"),
    "agent-detail": Row(get="anon   no     no     ok     ok     ok", kw={"pk": "colleague"}),
    "roster-list": Row(get="anon   ok     ok     ok     ok     ok"),
    "roster-detail": Row(get="anon   no     no     ok     ok     ok", kw={"pk": "draft"}),
    "roster-build": Row(
        get="anon   405    405    405    405    405",
        post="anon   no     no     -      -      -",
        data={"lines": ["line"], "start": "{later}", "end": "{later}"},
    ),
    "roster-publish": Row(
        get="anon   405    405    405    405    405", post="anon   no     no     -      -      -", kw={"pk": "draft"}
    ),
    "build-list": Row(get="anon   ok     ok     ok     ok     ok"),
    "build-detail": Row(get="anon   no     no     ok     ok     ok", kw={"pk": "build"}),
    "shift-list": Row(get="anon   ok     ok     ok     ok     ok"),
    "shift-detail": Row(get="anon   ok     no     ok     ok     ok", kw={"pk": "shift"}),
    # API: leave (a colleague's request, not the agent's): decided by the agent's unit's directors.
    "leave-list": Row(get="anon   ok     ok     ok     ok     ok"),
    "leave-detail": Row(
        get="anon   no     no     ok     no     ok", delete="anon   no     no     -      no     -", kw={"pk": "leave"}
    ),
    "leave-approve": Row(
        get="anon   405    405    405    405    405", post="anon   no     no     -      no     -", kw={"pk": "leave"}
    ),
    "leave-reject": Row(
        get="anon   405    405    405    405    405", post="anon   no     no     -      no     -", kw={"pk": "leave"}
    ),
    # API: a colleague's assignment: only that colleague confirms, declines, checks in or out.
    "assignment-list": Row(get="anon   ok     ok     ok     ok     ok"),
    "assignment-detail": Row(
        get="anon   no     no     ok     ok     ok",
        delete="anon   no     no     -      -      -",
        kw={"pk": "colleague_assignment"},
    ),
    "assignment-check-in": Row(
        get="anon   405    405    405    405    405",
        post="anon   no     no     no     no     no",
        kw={"pk": "colleague_assignment"},
    ),
    "assignment-check-out": Row(
        get="anon   405    405    405    405    405",
        post="anon   no     no     no     no     no",
        kw={"pk": "colleague_assignment"},
    ),
    "assignment-confirm": Row(
        get="anon   405    405    405    405    405",
        post="anon   no     no     no     no     no",
        kw={"pk": "colleague_assignment"},
    ),
    "assignment-decline": Row(
        get="anon   405    405    405    405    405",
        post="anon   no     no     no     no     no",
        kw={"pk": "colleague_assignment"},
    ),
    # API: the notification log (a colleague's message).
    "notification-list": Row(get="anon   ok     ok     ok     ok     ok"),
    "notification-detail": Row(get="anon   no     no     ok     ok     ok", kw={"pk": "notification"}),
    # API: a swap between two colleagues, awaiting a director.
    "swap-list": Row(get="anon   ok     ok     ok     ok     ok"),
    "swap-detail": Row(
        get="anon   no     no     ok     ok     ok", delete="anon   no     no     no     no     no", kw={"pk": "swap"}
    ),
    "swap-approve": Row(
        get="anon   405    405    405    405    405", post="anon   no     no     -      -      -", kw={"pk": "swap"}
    ),
    "swap-reject": Row(
        get="anon   405    405    405    405    405", post="anon   no     no     -      -      -", kw={"pk": "swap"}
    ),
    "swap-take": Row(
        get="anon   405    405    405    405    405", post="anon   no     no     no     no     no", kw={"pk": "swap"}
    ),
    # API: call records.
    "call-list": Row(get="anon   no     ok     ok     ok     ok", post="anon   no     -      -      -      -", data=[]),
    # API documentation is public.
    "schema": Row(get="ok     ok     ok     ok     ok     ok"),
    "api_docs": Row(get="ok     ok     ok     ok     ok     ok"),
    # Pages: hotlines and calls.
    "home": Row(get="login  ok     ok     ok     ok     ok"),
    "line_detail": Row(get="login  no     no     ok     ok     ok", kw={"pk": "line"}),
    "board": Row(get="login  ok     ok     ok     ok     ok", kw={"number": "hotline_number"}),
    # A new key for the wall screen's address: the hotline's operator's (and the admin's).
    # Whether a line's switchboard queue follows the roster: the hotline's operator's choice.
    "line_switchboard_follow": Row(
        get="login  405    405    405    405    405", post="login  no     no     no     -      -", kw={"pk": "line"}
    ),
    "reset_board_key": Row(
        get="login  405    405    405    405    405", post="login  no     no     no     -      -", kw={"pk": "hotline"}
    ),
    "calls": Row(get="login  no     ok     ok     ok     ok", post="login  no     -      -      -      -"),
    "staffing_calculator": Row(get="login  ok     ok     ok     ok     ok"),
    "line_staffing": Row(
        get="login  no     no     ok     ok     ok", post="login  no     no     -      -      -", kw={"pk": "line"}
    ),
    "calls_report": Row(get="login  no     ok     ok     ok     ok"),
    # Pages: the agent's own (their own assignment: only they may act on it).
    "my_shifts": Row(get="login  ok     no     no     no     no"),
    "check_in": Row(
        get="login  405    405    405    405    405",
        post="login  -      no     no     no     no",
        kw={"pk": "own_assignment"},
    ),
    "confirm": Row(
        get="login  405    405    405    405    405",
        post="login  -      no     no     no     no",
        kw={"pk": "own_assignment"},
    ),
    "decline": Row(
        get="login  405    405    405    405    405",
        post="login  -      no     no     no     no",
        kw={"pk": "own_assignment"},
    ),
    "check_out": Row(
        get="login  405    405    405    405    405",
        post="login  -      no     no     no     no",
        kw={"pk": "own_assignment"},
    ),
    "offer_swap": Row(
        get="login  405    405    405    405    405",
        post="login  -      no     no     no     no",
        kw={"pk": "own_assignment"},
    ),
    # The colleagues' swap: the agent of line 2 may try to take it, but not withdraw it.
    "take_swap": Row(
        get="login  405    405    405    405    405", post="login  -      no     no     no     no", kw={"pk": "swap"}
    ),
    "withdraw_swap": Row(
        get="login  405    405    405    405    405", post="login  no     no     no     no     no", kw={"pk": "swap"}
    ),
    "my_leave": Row(get="login  ok     no     no     no     no", post="login  -      no     no     no     no"),
    "withdraw_leave": Row(
        get="login  405    405    405    405    405", post="login  no     no     no     no     no", kw={"pk": "leave"}
    ),
    "my_settings": Row(get="login  ok     no     no     no     no", post="login  -      no     no     no     no"),
    "my_wishes": Row(get="login  ok     no     no     no     no", post="login  -      no     no     no     no"),
    # A colleague's wish: only its own agent removes it.
    "remove_wish": Row(
        get="login  405    405    405    405    405", post="login  no     no     no     no     no", kw={"pk": "wish"}
    ),
    "reset_calendar": Row(get="login  405    405    405    405    405", post="login  -      no     no     no     no"),
    # The calendar feed: its secret token is the key, for anyone who has it.
    "calendar_feed": Row(get="ok     ok     ok     ok     ok     ok", kw={"token": "calendar_token"}),
    # An SMS link: its token is the key, whoever holds it; an action it does not offer is refused on the page.
    "action_link": Row(
        get="ok     ok     ok     ok     ok     ok",
        post="go     go     go     go     go     go",
        kw={"token": "sms_link_token"},
        data={"action": "take"},
    ),
    # Pages: the duty log (a shift the agent is not on).
    "shift_log": Row(
        get="login  no     no     ok     ok     ok", post="login  no     no     -      -      -", kw={"pk": "shift"}
    ),
    "line_log": Row(get="login  no     no     ok     ok     ok", kw={"pk": "line"}),
    # Pages: leave and swaps for directors.
    "leave_list": Row(get="login  no     ok     ok     ok     ok"),
    "decide_leave": Row(
        get="login  405    405    405    405    405", post="login  no     no     -      no     -", kw={"pk": "leave"}
    ),
    "decide_swap": Row(
        get="login  405    405    405    405    405", post="login  no     no     -      -      -", kw={"pk": "swap"}
    ),
    # Pages: the roster builder of line 2, its draft, build, shift and assignment.
    "roster_builder": Row(get="login  no     no     ok     ok     ok", kw={"pk": "line"}),
    "roster_start_build": Row(
        get="login  405    405    405    405    405",
        post="login  no     no     -      -      -",
        kw={"pk": "line"},
        data={"start": "{later}", "end": "{later}"},
    ),
    "roster_print": Row(get="login  no     no     ok     ok     ok", kw={"pk": "line"}),
    "roster_xlsx": Row(get="login  no     no     ok     ok     ok", kw={"pk": "line"}),
    "build_status": Row(get="login  no     no     ok     ok     ok", kw={"pk": "build"}),
    "shift_add_agent": Row(
        get="login  405    405    405    405    405",
        post="login  no     no     -      -      -",
        kw={"shift_pk": "draft_shift"},
        data={"agent": "colleague"},
    ),
    "shift_check_agent": Row(
        get="login  no     no     ok     ok     ok", kw={"shift_pk": "draft_shift"}, query="agent={colleague}"
    ),
    "assignment_remove": Row(
        get="login  405    405    405    405    405",
        post="login  no     no     -      -      -",
        kw={"pk": "draft_assignment"},
    ),
    "assignment_pin": Row(
        get="login  405    405    405    405    405",
        post="login  no     no     -      -      -",
        kw={"pk": "draft_assignment"},
    ),
    "roster_publish": Row(
        get="login  no     no     ok     ok     ok", post="login  no     no     -      -      -", kw={"pk": "draft"}
    ),
    # Pages: agents (a CDC colleague of the demo agent). An agent's record and leave are their
    # unit's directors' (and those of the units above): not the hotline operator's.
    "agent_list": Row(get="login  no     ok     ok     ok     ok"),
    "agent_create": Row(get="login  no     ok     ok     ok     ok", post="login  no     -      -      -      -"),
    "agent_import": Row(get="login  no     ok     ok     ok     ok", post="login  no     -      -      -      -"),
    "agent_edit": Row(
        get="login  no     no     ok     no     ok", post="login  no     no     -      no     -", kw={"pk": "colleague"}
    ),
    "agent_replan": Row(
        get="login  no     no     ok     no     ok", post="login  no     no     -      no     -", kw={"pk": "colleague"}
    ),
    "agent_welcome_again": Row(
        get="login  405    405    405    405    405",
        post="login  no     no     -      no     -",
        kw={"pk": "colleague"},
    ),
    # Pages: reports and logs.
    # A unit's roster rules: its directors' (and those of the units above), as its agents.
    "unit_rules": Row(
        get="login  no     no     ok     no     ok", post="login  no     no     -      no     -", kw={"pk": "unit"}
    ),
    "hours_report": Row(get="login  no     ok     ok     ok     ok"),
    "notification_log": Row(get="login  no     ok     ok     ok     ok"),
    "acknowledge_escalation": Row(
        get="login  405    405    405    405    405",
        post="login  no     no     -      -      -",
        kw={"pk": "escalation"},
    ),
}


# The routes --------------------------------------------------------------------------------------


@dataclass
class Route:
    name: str | None
    route: str
    params: list

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")


def project_routes(patterns=None, prefix="", namespace=""):
    """Every URL pattern of the project, walking included URLconfs; Django's admin pages
    other than its index and login, and static files, are left out."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from project_routes(entry.url_patterns, prefix + str(entry.pattern), inner or "")
            continue
        assert isinstance(entry, URLPattern)
        route = prefix + str(entry.pattern)
        name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
        if namespace == "admin" and name not in ADMIN_PAGES_CHECKED:
            continue
        if route.startswith((settings.STATIC_URL.lstrip("/"), "static/", "media/")):
            continue
        yield Route(name, route, sorted(entry.pattern.regex.groupindex))


def test_every_url_pattern_has_a_row_in_the_table():
    routes = list(project_routes())
    unnamed = [route.route for route in routes if route.name is None]
    missing = sorted({route.name for route in routes if route.name and route.name not in EXPECTED})
    stale = sorted(EXPECTED.keys() - {route.name for route in routes})
    assert not unnamed, f"URL patterns without a name cannot be declared: {unnamed}"
    assert not missing, f"URL names with no row in EXPECTED (decide who may use them): {missing}"
    assert not stale, f"rows in EXPECTED for URL names that no longer exist: {stale}"


def test_every_row_names_an_outcome_for_every_role():
    words = {"ok", "go", "login", "anon", "no", "-"}
    for name, row in EXPECTED.items():
        for column in (row.get, row.post, row.delete):
            if column is None:
                continue
            outcomes = column.split()
            assert len(outcomes) == len(ROLES), f"{name}: {column!r} has not one outcome per role"
            assert all(o in words or o.isdigit() for o in outcomes), f"{name}: {column!r}"


# The demo objects of line 2 -------------------------------------------------------------------------


def line_two_objects() -> dict:
    """Objects of line 2 (CDC) for the URLs' parameters, each as the value the URL takes."""
    now = timezone.now()
    today = timezone.localdate()
    line = Line.objects.get(digit="2")
    cdc = Unit.objects.get(code="cdc")
    me = Agent.objects.get(user__username="agent")
    colleagues = Agent.objects.filter(unit=cdc, lines=line, active=True).exclude(pk=me.pk).order_by("phone")
    colleague = colleagues[0]

    def live(agent):
        return Assignment.objects.filter(agent=agent, is_live=True, shift__line=line)

    own_assignment = live(me).filter(start__gt=now).order_by("start").first()
    # A shift of line 2 that the agent is not on, with an assignment of a colleague: the one
    # under way now, or the next when the engine put the agent on that one (the demo's roster
    # is built anew each run).
    shift = (
        Shift.objects.published()
        .filter(line=line, end__gt=now)
        .exclude(assignments__agent=me)
        .filter(assignments__isnull=False)
        .order_by("start")
        .first()
    )
    colleague_assignment = shift.assignments.exclude(agent=me).first()

    # A swap of two colleagues, taken and awaiting a director.
    offered = live(colleagues[1]).filter(start__gt=now + datetime.timedelta(days=1)).order_by("start").first()
    swap = Swap.objects.create(
        assignment=offered,
        shift=offered.shift,
        offered_by=offered.agent,
        taken_by=colleagues[2],
        taken_at=now,
        status=Swap.Status.TAKEN,
    )

    # A draft roster of line 2 alone, past the demo's published days.
    later = today + datetime.timedelta(days=40)
    draft = Roster.objects.create(start=later, end=later)
    draft.lines.set([line])
    day_start = timezone.make_aware(datetime.datetime.combine(later, datetime.time(7)))
    draft_shift = Shift.objects.create(
        roster=draft, line=line, start=day_start, end=day_start + datetime.timedelta(hours=12), required=2
    )
    draft_assignment = Assignment.objects.create(shift=draft_shift, agent=colleagues[3])

    build = RosterBuild.objects.create(
        start=later,
        end=later,
        status=RosterBuild.Status.DONE,
        created_by=get_user_model().objects.get(username="director"),
        finished_at=now,
        result={"filled": 0, "required": 0, "unfilled": []},
    )
    build.lines.set([line])

    notification = Notification.objects.create(
        key="matrix-colleague",
        kind=Notification.Kind.REMINDER,
        channel=Notification.Channel.SMS,
        agent=colleague,
        to=colleague.phone,
        body="Nhắc lịch trực",
    )
    escalation = Escalation.objects.create(shift=shift, unit=cdc, missing=1)
    leave = Leave.objects.filter(agent__unit=cdc, status=Leave.Status.REQUESTED).exclude(agent=me).first()

    return {
        "today": today.isoformat(),
        "later": later.isoformat(),
        "unit": cdc.pk,
        "hotline": line.hotline_id,
        "hotline_number": Hotline.objects.get(pk=line.hotline_id).number,
        "line": line.pk,
        "colleague": colleague.pk,
        "own_assignment": own_assignment.pk,
        "colleague_assignment": colleague_assignment.pk,
        "shift": shift.pk,
        "swap": swap.pk,
        "draft": draft.pk,
        "draft_shift": draft_shift.pk,
        "draft_assignment": draft_assignment.pk,
        "build": build.pk,
        "notification": notification.pk,
        "escalation": escalation.pk,
        "leave": leave.pk,
        "wish": Wish.objects.create(agent=colleague, date=later).pk,
        "calendar_token": me.calendar_token,
        "sms_link_token": ActionLink.for_shifts([(me, own_assignment.shift, ["confirm"], own_assignment)])[
            me.pk, own_assignment.shift_id
        ].token,
        # Any uid and token: the page says the link is not valid, to anyone.
        "reset_uid": "MQ",
        "reset_token": "set-password",
    }


def fill(value, objects):
    """A query or body with the objects' values in: "{today}", or a list/dict naming them."""
    if isinstance(value, str):
        return objects.get(value, value) if value in objects else value.format(**objects)
    if isinstance(value, list):
        return [fill(v, objects) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, objects) for k, v in value.items()}
    return value


# Asking ---------------------------------------------------------------------------------------------


def clients_by_role():
    """A page client (session) and an API client (token) for every role."""
    users = get_user_model().objects
    clients = {}
    for role, username in USERNAMES.items():
        page, api = Client(), APIClient()
        if username:
            user = users.get(username=username)
            page.force_login(user)
            _instance, token = AuthToken.objects.create(user=user)
            api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        clients[role] = (page, api)
    return clients


def outcome_matches(expected: str, response) -> bool:
    code = response.status_code
    location = urlparse(response.get("Location", "")).path
    to_login = location in (resolve_url(settings.LOGIN_URL), reverse("admin:login"))
    if expected == "ok":
        return 200 <= code < 300
    if expected == "go":
        return 300 <= code < 400 and not to_login
    if expected == "login":
        return code == 302 and to_login
    if expected == "anon":
        return code in (401, 403)
    if expected == "no":
        return code in (400, 403, 404)
    return code == int(expected)


def ask(client, method, url, route, row, objects):
    # The API's throttle counts anonymous requests per minute; this test makes hundreds.
    cache.clear()
    if method == "get":
        query = fill(row.query, objects)
        return client.get(f"{url}?{query}" if query else url)
    data = fill(row.data, objects) if row.data is not None else {}
    if route.is_api:
        return getattr(client, method)(url, data, format="json")
    return getattr(client, method)(url, data)


def test_every_url_answers_every_role_as_declared(demo, caplog):
    # Hundreds of refusals would each log a warning with its traceback: only crashes matter here.
    caplog.set_level(logging.ERROR, logger="django.request")
    objects = line_two_objects()
    clients = clients_by_role()
    routes = [route for route in project_routes() if route.name in EXPECTED]
    # Refused POSTs and DELETEs come after every GET, so that a hole that lets one through
    # changes nothing a GET row looks at.
    plan = [(route, "get") for route in routes]
    plan += [(route, method) for route in routes for method in ("post", "delete")]

    mismatches = []
    asked = 0
    for route, method in plan:
        row = EXPECTED[route.name]
        column = getattr(row, method)
        if column is None:
            continue
        kwargs = {param: fill(row.kw.get(param, param), objects) for param in route.params}
        if "format" in kwargs:
            kwargs["format"] = "json"
        url = reverse(route.name, kwargs=kwargs)
        for role, expected in zip(ROLES, column.split(), strict=True):
            if expected == "-":
                continue
            page, api = clients[role]
            try:
                response = ask(api if route.is_api else page, method, url, route, row, objects)
            except Exception as e:  # a crash is a mismatch too; report it with the others
                mismatches.append(f"{method.upper()} {url} as {role}: expected {expected}, raised {e!r}")
                continue
            asked += 1
            if not outcome_matches(expected, response):
                where = f" → {response['Location']}" if response.has_header("Location") else ""
                mismatches.append(
                    f"{method.upper()} {url} as {role} ({route.name}): expected {expected}, "
                    f"got {response.status_code}{where}"
                )

    assert asked > 400, f"only {asked} requests made: the walk lost routes"
    assert not mismatches, f"{len(mismatches)} of {asked} answers differ from EXPECTED:\n" + "\n".join(mismatches)
