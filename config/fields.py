"""API input fields for dates and times that the database and the roster can take.

Python accepts offsets up to ±24 h and years 1 to 9999; PostgreSQL refuses offsets beyond
±15:59, and a day added to 31/12/9999 overflows. Rosters live in this century, so dates are
kept to it and offsets to the ones clocks use (±14 h): anything else is a 400, not a 500."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import serializers

FIRST_YEAR, LAST_YEAR = 2000, 2099
MAX_OFFSET = datetime.timedelta(hours=14)


def date_problem(value: datetime.date) -> str | None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        return _("Give a date from %(first)s to %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
    return None


def datetime_problem(value: datetime.datetime) -> str | None:
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        return _("A time zone offset is at most 14 hours.")
    return date_problem(value)


class DateField(serializers.DateField):
    def to_internal_value(self, value):
        value = super().to_internal_value(value)
        if problem := date_problem(value):
            raise serializers.ValidationError(problem)
        return value


class DateTimeField(serializers.DateTimeField):
    def to_internal_value(self, value):
        value = super().to_internal_value(value)
        if problem := datetime_problem(value):
            raise serializers.ValidationError(problem)
        return value.astimezone(datetime.UTC)


class IsoDateTimeFormField(filters.IsoDateTimeFilter.field_class):
    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and (problem := datetime_problem(value)):
            raise forms.ValidationError(problem)
        return value


class DateTimeFilter(filters.IsoDateTimeFilter):
    field_class = IsoDateTimeFormField
