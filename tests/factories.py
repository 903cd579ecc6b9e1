"""A handful of factories for the domain; tests build only what they need."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from hotline.models import Hotline, Line, Unit
from roster.models import Agent, Assignment, Leave, Roster, Shift

# A Monday in the tests' calendar, clear of today's demo and of public holidays.
MONDAY = datetime.date(2027, 3, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@trucban.example")
    password = factory.django.Password("secret-pass-1")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"Đơn vị {n}")
    code = factory.Sequence(lambda n: f"unit-{n}")


class HotlineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hotline

    name = factory.Sequence(lambda n: f"Tổng đài {n}")
    number = factory.Sequence(lambda n: f"0290.{2000 + n}")
    unit = factory.SubFactory(UnitFactory)


class LineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Line

    hotline = factory.SubFactory(HotlineFactory)
    digit = "1"
    label = factory.Sequence(lambda n: f"Nhánh {n}")
    unit = factory.SubFactory(UnitFactory)
    queue = factory.LazyAttribute(lambda line: f"q-{line.hotline.number}-{line.digit}")


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent
        skip_postgeneration_save = True

    unit = factory.SubFactory(UnitFactory)
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    phone = factory.Sequence(lambda n: f"+8491{3000000 + n:07d}")

    @factory.post_generation
    def lines(self, create, extracted, **kwargs):
        if create and extracted:
            self.lines.set(extracted)


class RosterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Roster

    start = factory.LazyFunction(timezone.localdate)
    end = factory.LazyAttribute(lambda r: r.start + datetime.timedelta(days=6))
    status = Roster.Status.PUBLISHED
    published_at = factory.LazyAttribute(lambda r: timezone.now() if r.status == Roster.Status.PUBLISHED else None)


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    roster = factory.SubFactory(RosterFactory)
    line = factory.SubFactory(LineFactory)
    start = factory.LazyFunction(lambda: timezone.now().replace(minute=0, second=0, microsecond=0))
    end = factory.LazyAttribute(lambda s: s.start + datetime.timedelta(hours=8))
    required = 1


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    shift = factory.SubFactory(ShiftFactory)
    agent = factory.SubFactory(AgentFactory)


class LeaveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Leave

    agent = factory.SubFactory(AgentFactory)
    start = factory.LazyFunction(timezone.now)
    end = factory.LazyAttribute(lambda lv: lv.start + datetime.timedelta(days=2))
    status = Leave.Status.APPROVED
