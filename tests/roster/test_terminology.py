"""One verb for publishing a roster, "ban hành", and no badge saying so where nothing is published."""

import datetime
import re
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from hotline.models import Line

PO = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def test_the_vietnamese_interface_publishes_with_one_verb():
    translations = "\n".join(re.findall(r'^msgstr(?:\[\d\])? (".*"(?:\n".*")*)', PO.read_text(), re.M)).lower()
    for other in ("công bố", "xuất bản", "phát hành"):
        assert other not in translations
    assert "ban hành" in translations


def test_an_empty_period_has_no_published_badge(login):
    line = Line.objects.get(digit="2")
    client = login("director")
    far = timezone.localdate() + datetime.timedelta(days=400)
    empty = client.get(f"/lines/{line.pk}/roster/?start={far}&end={far}").content.decode()
    assert "Đã ban hành" not in empty and "Đã công bố" not in empty
    today = timezone.localdate()
    published = client.get(f"/lines/{line.pk}/roster/?start={today}&end={today}").content.decode()
    assert "Đã ban hành" in published
