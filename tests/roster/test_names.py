"""People are named in full, family name first, and listed the Vietnamese way: by given name,
then the full name, in the Vietnamese alphabet, tones only where the letters are the same."""

import datetime
import re
import unicodedata

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from roster.models import Agent, Escalation, Roster
from roster.names import name_key, person_name
from tests.factories import AgentFactory, AssignmentFactory, LineFactory, RosterFactory, ShiftFactory, UserFactory


def in_order(names):
    return sorted(names, key=name_key)


def test_people_are_sorted_by_given_name_first():
    assert in_order(["Trần Thị Bình", "Nguyễn Văn An", "Lê Văn Cường"]) == [
        "Nguyễn Văn An",
        "Trần Thị Bình",
        "Lê Văn Cường",
    ]


def test_one_given_name_is_ordered_by_the_full_name():
    assert in_order(["Trần An", "Nguyễn Văn An", "Lê Thị An"]) == ["Lê Thị An", "Nguyễn Văn An", "Trần An"]


def test_letters_follow_the_vietnamese_alphabet_not_code_points():
    # a ă â … d đ … e ê … o ô ơ … u ư: each marked letter right after its base letter.
    assert in_order(["Lê Ân", "Lê Ăn", "Lê An"]) == ["Lê An", "Lê Ăn", "Lê Ân"]
    assert in_order(["Lê Ơn", "Lê Ôn", "Lê On"]) == ["Lê On", "Lê Ôn", "Lê Ơn"]
    assert in_order(["Lê Ưng", "Lê Ung", "Lê Vân"]) == ["Lê Ung", "Lê Ưng", "Lê Vân"]
    assert in_order(["Lê Ê", "Lê Gấm", "Lê E"]) == ["Lê E", "Lê Ê", "Lê Gấm"]


def test_d_with_stroke_sorts_after_every_d_and_before_e_not_after_z():
    names = ["Trần Đức", "Trần Zô", "Trần Dũng", "Trần Em", "Trần Duy"]
    assert in_order(names) == ["Trần Dũng", "Trần Duy", "Trần Đức", "Trần Em", "Trần Zô"]
    assert in_order(["Đỗ Văn An", "Dương Văn An"]) == ["Dương Văn An", "Đỗ Văn An"]


def test_tones_decide_only_between_the_same_letters_in_dictionary_order():
    # ngang, huyền, hỏi, ngã, sắc, nặng
    tones = ["Lê Hoa", "Lê Hòa", "Lê Hỏa", "Lê Hõa", "Lê Hóa", "Lê Họa"]
    assert in_order(list(reversed(tones))) == tones
    # Letters first: "Hóa" before "Hoan", whatever the tone.
    assert in_order(["Lê Hoan", "Lê Hóa"]) == ["Lê Hóa", "Lê Hoan"]


def test_a_tone_mark_placed_the_old_way_is_the_same_name():
    assert name_key("Lê Hoà") == name_key("Lê Hòa")


def test_capitals_and_decomposed_input_sort_like_the_plain_name():
    decomposed = "Nguye\u0302\u0303n Thi\u0323 Hoa"
    assert name_key(decomposed) == name_key("Nguyễn Thị Hoa") == name_key("NGUYỄN THỊ HOA")


def test_a_person_is_named_by_their_agent_record_first(db):
    user = UserFactory(username="nhung@example.vn", first_name="Nhung", last_name="Nguyễn Thị Hồng")
    assert person_name(user) == "Nguyễn Thị Hồng Nhung"
    AgentFactory(user=user, full_name="Nguyễn Thị Hồng Nhung")
    user.refresh_from_db()
    assert person_name(user) == "Nguyễn Thị Hồng Nhung"


def test_a_person_without_names_is_named_by_their_login(db):
    assert person_name(UserFactory(username="giamdoc")) == "giamdoc"
    assert person_name(UserFactory(username="x", first_name="Minh")) == "Minh"


def test_the_signed_in_director_is_named_in_full_in_vietnamese_order(login):
    page = login("director").get("/").content.decode()
    assert "Nguyễn Văn Minh" in page
    assert "Minh Nguyễn Văn" not in page


def test_the_escalation_names_who_took_it_in_hand_by_full_name(login):
    director = get_user_model().objects.get(username="director")
    line = LineFactory(unit=director.directed_units.first(), digit="7")
    shift = ShiftFactory(line=line)
    Escalation.objects.create(shift=shift, unit=line.unit, missing=1).acknowledge(director)
    page = login("director").get("/").content.decode()
    assert "Nguyễn Văn Minh" in re.search(r"data-escalation=.*?</div>\s*</div>", page, re.S).group(0)


def test_the_agents_page_lists_people_in_vietnamese_order(login):
    page = login("director").get("/agents/").content.decode()
    listed = re.findall(r'<td><a href="/agents/\d+/">([^<]+)</a>', page)
    assert len(listed) >= 10
    assert listed == in_order(listed)
    # Code-point order would put Đặng Quốc Bảo after everyone; the Vietnamese way, under B.
    assert listed.index("Đặng Quốc Bảo") < listed.index("Bùi Thị Mỹ Linh")


def test_the_publish_review_lists_people_in_vietnamese_order(login, demo):
    line = Agent.objects.get(full_name="Đặng Quốc Bảo").lines.get()
    draft = RosterFactory(status=Roster.Status.DRAFT)
    draft.lines.set([line])
    shift = ShiftFactory(roster=draft, line=line, start=timezone.now() + datetime.timedelta(days=40))
    names = ["Đặng Quốc Bảo", "Dương Thị Ngọc Hân", "Bùi Thị Mỹ Linh", "Võ Thanh Tâm"]
    shift.required = len(names)
    shift.save()
    for name in names:
        AssignmentFactory(shift=shift, agent=Agent.objects.get(full_name=name))
    page = login("director").get(f"/rosters/{draft.pk}/publish/").content.decode()
    listed = [n for n in re.findall(r"<tr><td>([^<]+)</td>", page) if n in names]
    assert listed == ["Đặng Quốc Bảo", "Dương Thị Ngọc Hân", "Bùi Thị Mỹ Linh", "Võ Thanh Tâm"]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_language_menu_names_each_language_in_itself(client, db, language):
    client.cookies["django_language"] = language
    # Django's own names of languages, as each language writes itself (its Vietnamese is decomposed).
    page = unicodedata.normalize("NFC", client.get("/accounts/login/").content.decode())
    assert re.search(r'<option value="en"[^>]*>English</option>', page)
    assert re.search(r'<option value="vi"[^>]*>Tiếng Việt</option>', page)
