"""Why the engine left a place empty, in the reader's language.

The engine is pure Python and explains an empty place in English
(roster.solver.reasons.unfilled_reason: "13 agents qualified for line 2: 5 on leave or
unavailable, 8 would break the 12-hour rest around shift s41"). The builder page reads it here,
phrase by phrase from the engine's own vocabulary (REASON_WORDS), and says it again with
gettext; the engine's shift ids become the shifts' names. A reason in another form is shown as
the engine wrote it rather than lost.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from roster.solver.reasons import NO_ROSTER, NOT_EXAMINED, REASON_WORDS

# What the engine says of the agents who cannot take the place, as people read it. The keys
# are REASON_WORDS's: a test checks that every one of the engine's phrases has its words here.
WORDS = {
    "on_shift": lambda v: _("already on this shift"),
    "unavailable": lambda v: _("on leave or unavailable"),
    3: lambda v: _("short of the %(rest)s hours of rest between two shifts") % v,
    4: lambda v: _("at the weekly hours cap"),
    5: lambda v: _("short of the %(weekly)s hours of weekly rest") % v,
    6: lambda v: _("past %(nights)s nights in a row") % v,
    8: lambda v: _("already working that day"),
    9: lambda v: _("in a succession of shifts that is not allowed"),
    10: lambda v: _("at their limit of shifts of this kind"),
    11: lambda v: _("at their hours limit for the period"),
    12: lambda v: _("past the working days in a row allowed"),
    13: lambda v: _("with too short a run of days off"),
    14: lambda v: _("at their limit of weekends on duty"),
    15: lambda v: _("on a day off"),
    16: lambda v: _("at the monthly overtime ceiling"),
    "free": lambda v: _("free, but not placed before the time limit"),
    "free_weighted": lambda v: _("free, but placing them would cost more (requests, other shifts)"),
}


def phrase_pattern(template: str) -> str:
    """A REASON_WORDS template as a regular expression: "{rest:g}" becomes a named number."""
    pattern, last = "", 0
    for match in re.finditer(r"\{(\w+)(?::[^}]*)?\}", template):
        pattern += re.escape(template[last : match.start()]) + rf"(?P<{match.group(1)}>\d+(?:\.\d+)?)"
        last = match.end()
    return pattern + re.escape(template[last:])


PHRASES = [(key, re.compile(phrase_pattern(template))) for key, template in REASON_WORDS.items()]
NOBODY = re.compile(r"no agent answers line (?P<line>\S+)$")
ALL_ON_SHIFT = re.compile(r"only (?P<total>\d+) agents? answers? line (?P<line>\S+), already on this shift$")
QUALIFIED = re.compile(r"(?P<total>\d+) agents? qualified for line (?P<line>\S+): ")
HOW_MANY = re.compile(r"(?:(?P<both>both)|all (?P<all>\d+)|(?P<count>\d+)) ")
AROUND = re.compile(r" around shift (?P<shift>\S+?)(?=, |$)")


def phrase_at(reason: str, at: int):
    """(key, match) of the engine's phrase that starts at `at` and runs to a separator."""
    for key, pattern in PHRASES:
        phrase = pattern.match(reason, at)
        if phrase and (phrase.end() == len(reason) or reason.startswith((", ", " around"), phrase.end())):
            return key, phrase
    return None


def in_words(reason: str, shift_names=None) -> str:
    """The engine's reason in the active language; `shift_names` {engine id: name} names the
    shift that a rest is counted around."""
    shift_names = shift_names or {}
    if reason == NO_ROSTER:
        return _("No roster keeping every rule was found within the time limit.")
    if reason == NOT_EXAMINED:
        return _("Not examined: the time limit ran out.")
    if match := NOBODY.match(reason):
        return _("No agent answers line %(line)s.") % match.groupdict()
    if match := ALL_ON_SHIFT.match(reason):
        total = int(match["total"])
        return ngettext(
            "Only %(total)s agent answers line %(line)s and is already on this shift.",
            "Only %(total)s agents answer line %(line)s and are already on this shift.",
            total,
        ) % {"total": total, "line": match["line"]}
    match = QUALIFIED.match(reason)
    if not match:
        return reason
    total, at = int(match["total"]), match.end()
    parts = []
    while at < len(reason):
        how_many = HOW_MANY.match(reason, at)
        if not how_many:
            return reason
        at = how_many.end()
        found = phrase_at(reason, at)
        if not found:
            return reason
        key, phrase = found
        at = phrase.end()
        words = WORDS[key](phrase.groupdict())
        if around := AROUND.match(reason, at):
            at = around.end()
            if around["shift"] in shift_names:
                words += " " + _("(because of the shift %(shift)s)") % {"shift": shift_names[around["shift"]]}
        if how_many["both"]:
            parts.append(_("both %(words)s") % {"words": words})
        elif how_many["all"]:
            parts.append(_("all %(count)s %(words)s") % {"count": how_many["all"], "words": words})
        else:
            parts.append(_("%(count)s %(words)s") % {"count": how_many["count"], "words": words})
        if reason.startswith(", ", at):
            at += 2
    intro = ngettext(
        "%(total)s agent answers line %(line)s: %(why)s.",
        "%(total)s agents answer line %(line)s: %(why)s.",
        total,
    )
    return intro % {"total": total, "line": match["line"], "why": "; ".join(parts)}
