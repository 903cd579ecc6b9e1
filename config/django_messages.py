"""
Django's own messages that people meet on our pages, listed so that makemessages puts them in
our catalog: there they are translated again, and LOCALE_PATHS comes before Django's catalog.
Django's Vietnamese leaves some untranslated and spaces others oddly ("bằng với 0 .").
Nothing imports this module; the strings only need to be found.
"""

from django.utils.translation import gettext_noop

MESSAGES = [
    gettext_noop("Null characters are not allowed."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
]
