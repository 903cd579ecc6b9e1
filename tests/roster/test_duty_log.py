"""The duty log (sổ trực ban): the shift writes, the next shift reads the handover, directors read by day."""

from django.db.models import Exists, OuterRef
from django.utils import timezone

from roster.models import Assignment, DutyLogEntry, Shift


def own_shift_and_next():
    mine = Assignment.objects.filter(agent__user__username="agent", is_live=True).order_by("start").first()
    following = Shift.objects.published().filter(line=mine.shift.line, start=mine.end).first()
    return mine.shift, following


def test_an_agent_writes_a_handover_and_the_next_shift_reads_it(login):
    shift, following = own_shift_and_next()
    client = login("agent")
    response = client.post(f"/shifts/{shift.pk}/log/", {"kind": "handover", "text": "Máy nhánh 2 hay rớt cuộc gọi."})
    assert response.status_code == 302
    entry = DutyLogEntry.objects.get()
    assert (entry.shift, entry.kind, entry.author.username) == (shift, "handover", "agent")

    page = login("director").get(f"/shifts/{following.pk}/log/").content.decode()
    assert "data-handover" in page and "Máy nhánh 2 hay rớt cuộc gọi." in page


def test_the_director_reads_the_log_by_day(login):
    shift, _following = own_shift_and_next()
    DutyLogEntry.objects.create(shift=shift, author=shift.assignments.first().agent.user or _user(), text="Ổn định")
    day = timezone.localtime(shift.start).date()
    page = login("director").get(f"/lines/{shift.line_id}/log/?day={day}").content.decode()
    assert "Ổn định" in page


def _user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="director")


def test_an_agent_not_on_the_shift_cannot_write(login):
    shift = Shift.objects.published().exclude(assignments__agent__user__username="agent").first()
    assert login("agent").get(f"/shifts/{shift.pk}/log/").status_code == 404


def test_another_units_director_cannot_read(login):
    shift, _following = own_shift_and_next()
    assert login("director-ldtbxh").get(f"/lines/{shift.line_id}/log/").status_code == 404


def test_an_empty_entry_is_a_field_error(login):
    shift, _following = own_shift_and_next()
    response = login("agent").post(f"/shifts/{shift.pk}/log/", {"kind": "note", "text": ""})
    assert response.status_code == 400
    assert not DutyLogEntry.objects.exists()


def test_the_agent_on_the_shift_opens_its_log_in_a_few_queries(login, django_assert_max_num_queries):
    # A shift with one before it on its line, whose handover the page reads too. (Which shift
    # is the agent's first depends on the demo's roster, which the engine builds anew each run.)
    earlier = Shift.objects.published().filter(line=OuterRef("shift__line"), start__lt=OuterRef("shift__start"))
    mine = (
        Assignment.objects.filter(agent__user__username="agent", is_live=True)
        .filter(Exists(earlier))
        .order_by("start")
        .first()
    )
    shift = mine.shift
    client = login("agent")
    # session, user, shift, whether they manage the line (3), the agents on duty (which also say
    # whether this one is), the previous shift and its handover, agent_of, is_manager and the
    # entries
    with django_assert_max_num_queries(12):
        response = client.get(f"/shifts/{shift.pk}/log/")
    assert response.status_code == 200
    assert mine.agent.full_name in response.content.decode()  # among the agents on duty


def test_an_agent_who_declined_the_shift_cannot_open_its_log(login):
    shift, _following = own_shift_and_next()
    shift.assignments.filter(agent__user__username="agent").update(status=Assignment.Status.DECLINED)
    assert login("agent").get(f"/shifts/{shift.pk}/log/").status_code == 404
    assert login("director").get(f"/shifts/{shift.pk}/log/").status_code == 200
