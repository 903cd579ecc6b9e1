"""{{ user|person }}: a signed-in person's name as pages show it (roster.names.person_name)."""

from django import template

from roster.names import person_name

register = template.Library()


@register.filter
def person(user) -> str:
    return person_name(user)
