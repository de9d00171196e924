"""Copy rules: which fields are spans of the request, and where a copied action may start and end.

The span matching itself (:func:`calendar_ner.spans.copied`) lives with the other span finders.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Collection

from calendar_ner import languages
from calendar_ner.schema import MOVES, VIRTUAL
from calendar_ner.spans import Span, date_span, fold, is_calendar_word, time_span

# Fields whose training targets are spans of the request: on the 600 real dev rows, every date,
# time (as written, data.surface_datetime), attendee name and location, 593 actions (the other 7
# spell out "mtg" or "sess."), and all 9 notes, case aside (2 capitalize a first word;
# `python benchmarks/label_audit.py`). A copied note is never a word the request lacks.
COPY_FIELDS = ("action", "date", "time", "attendees", "location", "notes")
# Words after which an action may start (action_starts): planning verbs (_PLANNING; after the
# words to the assistant only one opens the request: "Can you add | book club"), their
# particles, articles and other determiners, and relative dates.
_PLANNING = frozenset(
    "schedule book plan arrange organize organise set add put pencil block reserve create make"
    " hold".split()
)
_LEAD_WORDS = _PLANNING | frozenset(
    """a an the my our your his her their some this that these to for please let's lets
    have need want do up in down off today tonight tomorrow monday tuesday wednesday
    thursday friday saturday sunday weekend week""".split()
)
_SEPARATORS = frozenset(",;:.!?)]}-–—|/")
# Words before which an action may end (action_ends): prepositions and participles that lead
# into the other fields, and relative dates and recurrences.
_END_WORDS = frozenset(
    """with w/ w on at for in to from via using by over scheduled planned arranged set
    rescheduled booked starting lasting around until till between before after during every
    daily weekly biweekly bi-weekly monthly quarterly annually yearly today tonight tomorrow
    tmrw next this monday tuesday wednesday thursday friday saturday sunday mon tue tues wed
    thu thur thurs fri sat sun eod cob eow""".split()
)
# Words that say when: no dev action label ends with a weekday (abbreviated or not; "sat", "sun"
# and "wed" are words too), a frequency word or a relative day ("Haircut saturday | 11am",
# "dentist thu | 2pm", "Standup daily | at 9:15am"), though 32 hold a frequency word and some
# start with a weekday ("Weekly sync", "Friday drinks").
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_WHEN_WORDS = frozenset(_WEEKDAYS + [f"{day}s" for day in _WEEKDAYS]) | frozenset(
    """daily weekly biweekly bi-weekly fortnightly monthly quarterly annually yearly nightly
    hourly weekdays weekends today tonight tomorrow tmrw mon tue tues thu thur thurs fri
    eod cob eow""".split()
)
# The prepositions and participles among them, verb particles aside ("Check in"): no dev label's
# action, location or attendee ends with one ("Meeting arranged", "Call set for", "cap it at").
_LEAD_INS = frozenset(
    """with w/ on at for to from via using scheduled planned arranged set rescheduled booked
    starting lasting around until till through thru between before after during every""".split()
)  # not "w", an initial too ("Mike W")
# The verbs among them: 18 dev action labels start with "Set" ("Set up a check-in"), and none
# with any other of those words.
_VERBS = frozenset("scheduled planned arranged set rescheduled booked starting lasting".split())
_TRAILING = ",;:.!?)]}\"'"
# A request's words to the assistant before the event ("Hey, can you please", "Yo,", "yo add",
# "Good morning!!", "Morning!", "Dear assistant,", "Thanks so much! Also,", an interjection or
# filler before a comma, dash or colon ("ugh,", "Hi there, quick one -", "btw:"), "Would you mind
# adding", "Could you note that", "Would it be possible to", "Remind me to", "Remember to",
# "Remind me about", "I need to", "Set a reminder for"), and a label that heads a note
# ("Reminder:", "FYI -", "Note to self:", "Todo!!", before or after a greeting): no dev action
# label starts with one.
_HEADING = r"(?:(?:reminder|note(?:\s+to\s+self)?|fyi|to-?do|memo)(?:\s*[:!]+|\s+[-–—])\s*)?"
_MARK_AFTER = r"(?:\s*[,!.:]+\s*|\s+[-–—]+\s*)"  # "Hey, ", "Sorry - ", "btw: "
_ASKING = re.compile(
    _HEADING + r"(?:(?:(?:hey+|hi|hiya|hello|yo|ok|okay|(?:good\s+)?(?:morning|afternoon|evening)"
    r"|dear\s+\w+|thanks(?:\s+so\s+much)?|thank\s+you(?:\s+so\s+much)?)\b(?:\s+there)?"
    r"(?:" + _MARK_AFTER + r"|\s+(?=(?:can|could|would|will)\s+(?:you|u)\b|please\b|pls\b"
    r"|plz\b|(?:add|schedule|book|put|set)\s))"
    # an interjection or filler only before a mark ("ugh,", "quick one -"; not "One more book
    # club meeting")
    r"|(?:ugh+|argh+|hm+|um+|uh+|oh+|ah+|btw|sorry|oops|quick\s+(?:one|q|question|favou?r)"
    r"|one\s+more(?:\s+thing)?)\b" + _MARK_AFTER + r")"
    r"(?:also\b[\s,]*)?){0,3}" + _HEADING + r"(?:(?:can|could|would|will)\s+(?:you|u)\s+"
    r"|(?:would|will|is)\s+it\s+(?:be\s+)?possible\s+to\s+"
    r"|let['’]?s\s+(?=(?-i:[a-z])))?"
    r"(?:(?:please|pls|plz|kindly)\s+)?"
    r"(?:mind\s+(?:adding|putting|scheduling|booking|setting\s+up|blocking(?:\s+off)?)\s+"
    r"|note\s+that\s+)?"
    r"(?:(?:remind\s+me|remember|don['’]?t\s+(?:let\s+me\s+)?forget|i\s+(?:need|want|have)"
    r"|i['’]?d\s+like"
    r"|help\s+me)\s+to\s+|remind\s+me\s+(?:about|of)\s+"
    r"|(?:(?:set|add|create|make|put)\s+(?:up\s+)?(?:a|an)\s+)?reminder\s+(?:to|for|about)\s+)?",
    re.IGNORECASE,
)
# A courtesy that closes a request, with its sign-off ("…, ty", "? cheers", ". Many thanks.",
# "Thanks so much 🙏", "at 1pm pls? thx!", "Cheers, Sam"; "Ty", a name, is none): words to the
# assistant too; no dev request ends with one.
_THANKS = (
    r"(?:(?:many|big)\s+)?(?:thanks|thank\s+(?:you|u)|thx|thnx|thanx|cheers|please|pls|plz"
    r"|(?-i:ty|tyvm|tia))"
    r"(?:\s+(?:so|very)\s+much|\s+a\s+lot|\s+in\s+advance)?"
)
_CLOSING = re.compile(
    r"(?:(?<=[,.!?;:])|(?<=[,.!?;:]\s)|(?<=[^\w\s\x00-\x7f]\s)|(?<=\s)(?=(?:please|pls|plz)\b))"
    rf"(?:\s*{_THANKS}\b(?:\s*(?:[!.?…,]|[^\w\s\x00-\x7f]))*)+(?:\s*(?-i:[A-Z][a-z]+)\W*)?\s*$",
    re.IGNORECASE,
)


def _asking_end(text: str) -> int:
    """Where the request's opening words to the assistant end (0: it has none)."""
    return _ASKING.match(_SYMBOL.sub(lambda m: " " * len(m[0]), text)).end()  # "Hey! 👋 can"


def words_to_assistant(text: str) -> tuple[Span, ...]:
    """The request's words to the assistant, around the event ("Dear assistant, kindly | …",
    "… | Many thanks."): no copied value overlaps them (1 dev request opens with some, and no
    label copies from them; none closes with any)."""
    spans = [(0, end)] if (end := _asking_end(text)) else []
    if closing := _CLOSING.search(text):
        spans.append(closing.span())
    return tuple(spans)


# Words that open a noun phrase: no dev action label starts or ends with one ("My | flight to
# Denver", "Could you put a | 15 …"), nor ends with "me" ("Remind me | 30 minutes before …").
_DETERMINERS = frozenset("a an the my your our their".split())  # not "her": "Call her"
_POSSESSIVE = re.compile(r"\w['’]s\W*$")  # "nephew's"
# A linking verb or the participle of a move ("Dinner is | on Friday", "Board meeting moved | to
# …"): no dev action label ends with one; an action may end before one.
_LINKS = frozenset(
    """is are was were be been has have had got gets moved postponed pushed delayed shifted
    cancelled canceled confirmed""".split()
)
_NEVER_LAST = _LEAD_INS | _DETERMINERS | _LINKS | {"me"}
# A pronoun and a linking verb ("There's | soccer practice", "It's at the Oak Street office"):
# an action may start after one, never at one (no dev label starts so).
_PRONOUN_LINKS = frozenset(f"{w}{a}s" for w in ("it", "there", "that") for a in "'’")
# "Book time to …", "Put in time for …", "Add a time to …": a request that opens by planning time
# for something; its action is that something (4 of the 5 dev labels; line 422 keeps it whole).
_PLANNED_TIME = re.compile(
    r"(?:let'?s\s+)?(?:schedule|book|plan|arrange|organi[sz]e|set|add|put|pencil|block|reserve"
    r"|make|hold|find)(?:\s+(?:in|up|down|off|aside|out))?\s+(?:a\s+|some\s+)?time\s+(?:to|for)\s",
    re.IGNORECASE,
)
# A request that opens with a verb that moves things moves an event when the verb says so or a
# date or time follows "to"/"from" ("Move my 3pm with Dana to Friday"; not "Move my daughter
# into her dorm Saturday", "Change the oil Saturday at 10").
_RESCHEDULE = re.compile(r"reschedul|postpon", re.IGNORECASE)
_NEW_SLOT = re.compile(r"\b(?:to|from)\s+(?:the\s+)?(\S+)", re.IGNORECASE)  # "to the 19th"


def _is_when(word: str) -> bool:
    """Whether ``word`` opens a date or time ("Friday", "3pm", "tomorrow", "next")."""
    word = word.rstrip(_TRAILING)
    return (
        word[:1].isdigit()
        or is_calendar_word(word)
        or word.lower() in _WHEN_WORDS | {"next", "this", "noon", "midnight"}
    )


# The "length last" style: "Sync on Teams April 17, 2025 at 3:00 pm, 1 hr." ends with a comma and
# the length.
_LENGTH_LAST = re.compile(r",\s*\d+(?:\.\d+)?\s*(?:mins?|minutes|hrs?|hours?)\.?\s*$", re.I)


# Symbols outside ASCII (emoji, bullets): no word, and no "@", "&" or "+" that joins fields.
_SYMBOL = re.compile(r"[^\w\s\x00-\x7f‘’“”–—]+")


def _edges(match: re.Match) -> tuple[int, int]:
    """Where a word (a ``\\S+`` match) starts and ends without the quotes, brackets and
    punctuation around it."""
    word = match.group(0)
    start = match.start() + len(word) - len(word.lstrip("\"'([{*•-–"))
    return start, match.start() + len(word.rstrip(_TRAILING))


def _local_words(words: dict[str, str], text: str) -> frozenset[str]:
    """``words`` of the language ``text`` is written in; none for English."""
    lang = languages.detect(text)
    return frozenset(words[lang].split()) if lang in words else frozenset()


def inside_dates(text: str) -> frozenset[int]:
    """The positions strictly inside the date expressions of ``text``, where no copied value
    starts or ends: a weekday or holiday may stand whole in an action or place ("Friday
    drinks", "Christmas Eve dinner"), but no copy cuts one ("next | Thu", "Friday | the
    twenty-first"). No dev label's action, location or attendee does."""
    # Imported here: calendar_ner.decode.types builds on the span finders this module shares.
    from calendar_ner.decode.types import date_expressions

    return frozenset(p for s, e in date_expressions(text) for p in range(s + 1, e))


def action_starts(
    text: str, planned: bool = False, blocked: Collection[Span] = ()
) -> frozenset[int]:
    """Where in ``text`` (whitespace collapsed) the action may start: the first word, or a word
    after a date, time or ``blocked`` span ("a 15 minute | check-in"), after punctuation, or
    after a function word ("Set up a | team retro", "Book | lunch", "Tomorrow | lunch") --
    never inside a phrase of content words, nor in the request's words to the assistant
    ("Could you put a | …", "Remind me to | …"; a planning verb there is one of them: "can you
    set up a | call"), nor at a word that leads into another field ("with Dana", "at noon"),
    nor in the words that move an event ("Reschedule my | meeting": the one dev request that
    moves one labels the event, "Session rescheduled to …" → "Session"; :data:`MOVES`).

    On the 600 real dev rows 591 of the 593 actions copied from the text start at such a word
    (``python benchmarks/label_audit.py``); the rule stops a model from cutting a phrase's
    first words ("Zoom chat about hiring" -> "hiring", "2:1 sync" -> "sync"). A French, Spanish
    or German request adds its language's words (:data:`calendar_ner.languages.LEAD_WORDS`).
    With ``planned``, a request that opens by planning time ("Book time to | polish the
    slides", "Put in time for the | talk") starts its action after that phrase.
    """
    span_ends = {span[1] for span in (date_span(text), time_span(text)) if span}
    span_ends |= {end for _, end in blocked}
    lead = _LEAD_WORDS | _PRONOUN_LINKS | _local_words(languages.LEAD_WORDS, text)
    asking = _asking_end(text)  # "Hey! 👋 can you add | …"
    opening = asking > 0  # in the planning words right after the words to the assistant
    planned_once = False
    starts = set()
    previous = None
    words = list(re.finditer(r"\S+", text))
    for i, match in enumerate(words):
        start, _ = _edges(match)
        following = words[i + 1].group(0) if i + 1 < len(words) else ""
        if (
            previous is None
            or previous.end() in span_ends
            or previous.group(0)[-1] in _SEPARATORS
            or _SYMBOL.fullmatch(previous.group(0))  # "🎉 | Housewarming party", "• | Gym"
            or previous.group(0).lower() in lead
        ):
            starts.add(start)
        if opening and start >= asking:  # "Can you | email Bob", "Could you set up a | call"
            word = match.group(0).lower()
            # One planning verb opens it: the next is the event's ("Can you add | book club").
            opening = word in lead and not (word in _PLANNING and planned_once)
            planned_once |= word in _PLANNING
            (starts.discard if opening else starts.add)(start)
        if not re.search(r"\w", match.group(0)):
            starts.discard(start)  # an emoji or a mark starts nothing
        if match.group(0).lower() in _LEAD_INS - _VERBS | _PRONOUN_LINKS:
            starts.discard(start)  # "with Dana", "at 3pm", "It's at the office"
        if match.group(0).lower() in _DETERMINERS and not _POSSESSIVE.search(following):
            starts.discard(start)  # "My | flight"; "My nephew's graduation" may keep it
        previous = match
    starts = {s for s in starts if s >= asking}
    if planned and (opening := _PLANNED_TIME.match(text, asking)):
        starts = {s for s in starts if s >= opening.end()}
    moving = MOVES.match(text)  # "Reschedule my | dentist appt": the event, not the change
    if moving and (
        _RESCHEDULE.search(moving[0])
        or any(_is_when(m[1]) for m in _NEW_SLOT.finditer(text, moving.end()))
    ):
        starts = {s for s in starts if s >= moving.end()}
    return frozenset(starts) - inside_dates(text)


def platform_in_action(text: str) -> Span | None:
    """The meeting platform that a request in the "length last" style names before its date
    and time ("Sync on Teams April 17, 2025 at 3:00 pm, 1 hr."): the labels of that
    style keep such a platform in the action and give no location (19 of the 23 dev labels;
    ``python benchmarks/label_audit.py``, ``typed_rules.platform_in_action``). None otherwise."""
    # Imported here: calendar_ner.decode.types builds on the span finders this module shares.
    from calendar_ner.decode.types import WITH, platform_spans

    if not _LENGTH_LAST.search(text):
        return None
    first = min((s[0] for s in (date_span(text), time_span(text)) if s), default=len(text))
    named = [
        (s, e) for s, e in platform_spans(text) if s < first and text[s:e].lower() not in VIRTUAL
    ]
    if not named or WITH.search(text, 0, named[0][0]):
        return None  # "Demo with Acme on Zoom, …": no dev action label holds an attendee
    return named[0]


# Possessive determiners, which own a relation or role before a name ("my sis Nora").
_OWNERS = frozenset("my our your his her their".split())


def name_bounds(text: str, blocked: Collection[Span] = ()) -> tuple[frozenset[int], frozenset[int]]:
    """Where in ``text`` (whitespace collapsed) an attendee's name may start and end.

    It starts at any word but a lower-case one that a capitalized word goes on from ("client |
    Greg Whitfield", "my | Mom": a role or a relation, not the name; "dr. Patel", an
    abbreviation, may), nor at the possessive before such a word ("my sis | Nora"). It ends at
    any word end
    but before a capitalized word that goes on with the name ("Jordan | Lee"). It may end before
    a possessive ("my mom | 's birthday"), "I", an all-caps word ("Ana | ASAP"), a room ("Sarah |
    Room 204"), a capitalized word that opens a ``blocked`` span, a platform, a date or a time
    ("Ivy | Zoom 1 hr", "Jack | July 8"), or one that leads into another field ("John | At
    Starbucks"); in a text without lower-case letters, before any word. All 887 dev attendee
    labels that are a span of their request start and end where this allows (``python
    benchmarks/label_audit.py``, ``typed_rules.name_bounds``)."""
    # Imported here: calendar_ner.decode.types builds on the span finders this module shares.
    from calendar_ner.decode.types import (
        PLACE_LEADS,
        date_expressions,
        platform_spans,
        time_expressions,
    )

    shouted = not any(c.islower() for c in text)
    found = (*blocked, *platform_spans(text), *date_expressions(text), *time_expressions(text))
    opens = {s for s, _ in found}
    leads = _END_WORDS | PLACE_LEADS | {"and", "or"}
    starts, ends = set(), set()
    words = list(re.finditer(r"\S+", text))
    for i, match in enumerate(words):
        start, end = _edges(match)
        if re.search(r"\w['’]s$", text[match.start() : end]):
            ends.add(end - 2)  # "my mom | 's birthday"
        after = words[i + 1] if i + 1 < len(words) else None
        goes_on = not (
            shouted
            or after is None
            or end < match.end()
            or not after.group(0)[0].isupper()
            or after.start() in opens
            or after.group(0).lower().rstrip(_TRAILING) in leads
            or after.group(0).rstrip(_TRAILING) == "I"  # "with Sarah | I will bring food"
            or re.fullmatch(r"[A-Z]{2,}", after.group(0).rstrip(_TRAILING))  # "Ana | ASAP"
            or _ROOM.match(text, after.start())  # "with Sarah | Room 204"
        )
        if not goes_on:
            ends.add(end)
        word = text[start:end].lower().rstrip(".")
        if not (goes_on and text[start].islower() and text[end - 1] != "." and word not in _NAMED):
            starts.add(start)
        elif i and words[i - 1].group(0).lower() in _OWNERS:
            starts.discard(_edges(words[i - 1])[0])  # "my | sis | Nora"
    inside = inside_dates(text)
    return frozenset(starts) - inside, frozenset(ends) - inside


# The marks that join a list of people ("w/ Acme team + Lior, Conf Rm B", "Ana; Ben", "Kim & Lee";
# not the "&" inside a word: "R&D team"): no dev attendee label holds one.
_LIST_MARK = re.compile(r"[,;+]|(?<=\s)&(?=\s)")


def name_breaks(text: str) -> tuple[Span, ...]:
    """The marks in ``text`` that separate one attendee from the next, which no attendee's name
    runs over ("Lior, Conf Rm B" is Lior and a room); blocked like a date when names are copied
    with :attr:`~calendar_ner.decode.config.DecodeConfig.name_bounds`."""
    return tuple(m.span() for m in _LIST_MARK.finditer(text))


# Words that say what kind of room a room is ("Conference Room C", "Huddle Room 3").
_ROOM_KIND = re.compile(
    r"(?<=\s)(?i:conference|meeting|huddle|training|board|breakout|break|class|lecture|seminar"
    r"|focus|quiet|war|function|community|study|exam)\s+$"
)


def _named_room(text: str, at: int, first: int) -> int:
    """Where the room whose room word starts at ``at`` begins: at the word before it that says
    what kind of room it is ("Interviews | Conference Room C"), unless that word opens the
    request (at ``first``)."""
    kind = _ROOM_KIND.search(text, max(at - 16, 0), at)
    return kind.start() if kind and kind.start() > first else at


# Verbs a platform may be the object of ("Install Microsoft Teams", "Set up Zoom").
_USES = frozenset("install uninstall setup up learn try use update download configure test".split())
_WORD_BEFORE = re.compile(r"(\S+)\s+$")
_FIELD_AFTER = re.compile(r"[\s,;.!?)]*(?:$|w/|with\b|\+|\d)", re.IGNORECASE)


def _platform_field(text: str, span: Span, opens: Collection[int]) -> bool:
    """Whether the platform at ``span`` is a field of its own, the event's location: a named one
    ("Zoom", "Google Meet"; not "online") that a date, time, length (a number or a span in
    ``opens``), an attendee or the end of the request follows, and no verb such as "install"
    takes it as its object."""
    start, end = span
    if not text[start].isupper():
        return False
    before = _WORD_BEFORE.search(text, max(start - 20, 0), start)
    if before and before[1].lower().strip(",.") in _USES:
        return False
    rest = len(text) - len(text[end:].lstrip())
    return rest in opens or _FIELD_AFTER.match(text, end) is not None


def _joins_words(words: list[re.Match[str]], at: int) -> bool:
    """Whether the spaced "&" at ``words[at]`` joins two words of one name: a lower-case word
    follows it ("lunch & learn", "dinner & drinks"; not "w/ Henry & Julia")."""
    following = words[at + 1].group(0) if at + 1 < len(words) else ""
    return words[at].group(0) == "&" and following[:1].islower()


def action_ends(
    text: str, platform_style: bool = False, blocked: Collection[Span] = ()
) -> frozenset[int]:
    """Where in ``text`` (whitespace collapsed) the action may end: before punctuation, the end,
    a capitalized word or a number (a name, a platform, a date, a time), or a word that leads
    into another field ("with", "on", "at", "for", "scheduled", "tomorrow", …) -- never with a
    weekday, frequency word or relative day ("Haircut saturday | 11am"; "Join the daily", a
    noun, may), nor with "me" ("Remind me"), nor inside a
    phrase ("Email | vendor", "Plan a visit | of the old plant"), nor after the filler of a
    planning phrase ("Book time | to polish …", "Add a time slot | for …": no dev label's
    action ends in "time" or "slot"). In a text without capitals a name does not stand out,
    so any word end is allowed there. A French, Spanish or German request adds its language's
    words (:data:`calendar_ner.languages.END_WORDS`). An action never ends with a preposition
    or participle of those itself ("Meeting arranged | on …", "Call set for | …"), nor before
    an "&" that joins it to a lower-case word ("lunch & learn": no dev action ends before an
    "&" or any other mark that may end one), a verb
    particle aside ("Check in"), nor with an article or possessive ("Put a | 15 minute …").
    With ``platform_style``, a request whose labels keep a platform in the action
    (:func:`platform_in_action`) does not end it before that platform; in a request of any other
    style it never ends with or inside a platform ("standup | Google Meet": none of the 171 dev
    actions of such requests that name one holds it), nor with or inside a room named by its
    code ("Interviews | Conference Room C": no dev action holds one). It may end before a
    ``blocked`` span (a date, time, length or repeat it may not run into: "Team standup |
    weekdays") or the article that opens one ("Budget review | the first Friday of every
    month").
    """
    lower = not any(c.isupper() for c in text)
    end_words = _END_WORDS | _LINKS | _local_words(languages.END_WORDS, text)
    # Imported here: calendar_ner.decode.types builds on the span finders this module shares.
    from calendar_ner.decode.types import platform_spans

    platform = platform_in_action(text) if platform_style else None
    words = list(re.finditer(r"\S+", text))
    opens = {s for s, _ in blocked}
    first = len(text) - len(text.lstrip())
    closed = [(_named_room(text, m.start(), first), m.end()) for m in _ROOM.finditer(text)]
    if not _LENGTH_LAST.search(text):
        closed += [span for span in platform_spans(text) if _platform_field(text, span, opens)]
    ends_at = [_edges(w)[1] for w in words]
    shut = {  # word ends inside a closed span
        e for a, b in closed for e in ends_at[bisect_right(ends_at, a) : bisect_right(ends_at, b)]
    }
    ends = set()
    for i, match in enumerate(words):
        word, (_, end) = match.group(0), _edges(match)
        after = words[i + 1].group(0) if i + 1 < len(words) else ""
        if word.lower() in ("time", "slot") and after.lower() in ("to", "for"):
            continue  # "Book time to …": the event is what comes after
        if word.lower().rstrip(_TRAILING) in _NEVER_LAST:
            continue
        noun = i > 0 and words[i - 1].group(0).lower() in _DETERMINERS  # "Join the daily"
        if word.lower().rstrip(_TRAILING) in _WHEN_WORDS and not noun:
            continue
        if platform is not None and end <= platform[0]:
            continue
        if end in shut:
            continue
        nexts = [w.start() for w in words[i + 1 : i + 3]]
        if nexts and (
            nexts[0] in opens
            or (len(nexts) > 1 and after.lower() in ("the", "a") and nexts[1] in opens)
        ):
            ends.add(end)
            continue
        if (
            lower
            or end < match.end()
            or not after
            or after[0].isupper()
            or after[0].isdigit()
            or after[0] in "@(+-–—"
            or (after[0] == "&" and not _joins_words(words, i + 1))
            or after.lower().rstrip(_TRAILING) in end_words
        ):
            ends.add(end)
    return frozenset(ends) - inside_dates(text)


# "Hall | A", "studio | 4", "Room | 12B": the letter or number of a room.
_ROOM_CODE = re.compile(r"(?:[A-Z]|\d{1,3}[A-Z]?)[,;.!?)]*")  # "3!!!"
_LOWER_CODE = re.compile(r"\d{1,4}[a-z][,;.!?)]*")  # "room 12a", after a room word only
# "Room 7", "Floor 3", "Suite 200B": a room (or floor) of a building, named by its number.
_ROOM_WORD = r"(?i:room|rm|floor|suite|building|bldg)"
_ROOM = re.compile(rf"{_ROOM_WORD}\.?\s+(?:[A-Z]|\d{{1,4}}[A-Za-z]?)(?![\w-])")
# Lower-case words that begin a name ("de Vries", "van Dijk", "dr Patel"): a name may start there.
_NAMED = frozenset(
    """de del della der di da das dos du van von le la al el bin ibn ten ter
    dr mr mrs ms prof""".split()
)
# " on Birch Lane", " at 42 Maple Ave", " on 3rd ave": the street a place is on, part of the
# place (the one dev location that a street follows keeps it).
_STREET_WORD = r"(?i:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Parkway|Pkwy)\b"
_ON_STREET = re.compile(
    r"\s+(?:on|at)\s+(?:(?:\d+(?:st|nd|rd|th)?|[A-Z][\w'’-]*)\s+){1,3}" + _STREET_WORD
)

# A house number before the street it is on ("14 | Linden Avenue"): the number is the address's.
_HOUSE_NUMBER = re.compile(
    rf"(?<![\w/:.,-])\d{{1,5}}[A-Za-z]?\s+(?=(?:[A-Z][\w'’-]*\s+){{1,3}}{_STREET_WORD})"
)


def place_bounds(
    text: str, blocked: Collection[Span] = ()
) -> tuple[frozenset[int], frozenset[int]]:
    """Where in ``text`` (whitespace collapsed) a location may start and end: it never starts
    right after a capitalized word ("HQ | Office", "Conference | Rm"; a date or time before it,
    a word such as "at" in any case, or a platform, may: "w/ Ana | Zoom", "AT | NANDOS"; in a
    text without lower-case letters any word may) and never ends before a room's letter or number
    ("Conference Hall | A", "studio | 4"; a number that starts a ``blocked`` span, "Zoom | 45
    mins", is a length), nor before a room that goes on from it ("conf | rm B", "Training |
    Rm 1"). A room and the building or wing it is in, with a comma between, are one place: it
    neither ends before a comma that a room follows ("East Annex | , Room 9") nor starts after
    a room and its comma ("Room 14C, | Lab Wing"); all 8 dev location labels with a comma are
    such places. A place goes on through the street it is on ("Starbucks | on Main St") and
    starts at the house number of its street ("14 Linden Avenue", never "Linden Avenue" alone;
    "at 10 | Downing Street", where the number is a time, may). All 396 dev location labels
    that are a span of their request start and end where these rules allow (``python
    benchmarks/label_audit.py``, ``typed_rules.place_bounds``)."""
    # Imported here: calendar_ner.decode.types builds on the span finders this module shares.
    from calendar_ner.decode.types import (
        PLACE_LEADS,
        date_expressions,
        platform_spans,
        time_expressions,
    )

    after_date = {e for _, e in date_expressions(text) + time_expressions(text)}
    platforms = {s for s, _ in platform_spans(text)}
    blocked_starts = {s for s, _ in blocked}
    rooms = list(_ROOM.finditer(text))
    before_room = {m.start() for m in rooms}  # "East Annex, | Room 9"
    after_room = {m.end() for m in rooms}  # "Room 14C|, Lab Wing"
    streets = [  # "Starbucks | on Main | St"; not "on Saturday St Patrick's Day"
        m.span() for m in _ON_STREET.finditer(text) if not any(map(is_calendar_word, m[0].split()))
    ]
    numbered = {  # "14 | Linden Avenue"; not "at 10 | Downing Street", where 10 is a time
        m.end() for m in _HOUSE_NUMBER.finditer(text) if m.start() not in blocked_starts
    }
    shouted = not any(c.islower() for c in text)
    starts, ends = set(), set()
    words = list(re.finditer(r"\S+", text))
    for i, match in enumerate(words):
        (start, end), previous = _edges(match), words[i - 1] if i else None
        joined = previous is not None and previous.group(0).endswith(",")
        if (
            previous is None
            or shouted
            or not previous.group(0)[0].isupper()
            or previous.group(0)[-1] in _TRAILING
            or previous.group(0).lower() in PLACE_LEADS
            or previous.end() in after_date
            or start in platforms
        ) and not (joined and previous.end() - 1 in after_room):
            if match.group(0).lower() not in _LEAD_INS and start not in numbered:  # "w/ sam"
                starts.add(start)
        after = words[i + 1] if i + 1 < len(words) else None
        if (
            not (
                end == match.end()
                and after is not None
                and (
                    _ROOM_CODE.fullmatch(after.group(0))
                    or (
                        _LOWER_CODE.fullmatch(after.group(0))
                        and re.fullmatch(rf"{_ROOM_WORD}\.?", match.group(0))
                    )
                )
                and after.start() not in blocked_starts
            )
            and not (after is not None and after.start() in before_room)  # "conf | rm B"
            and not any(a <= end < b for a, b in streets)
        ):
            ends.add(end)
    inside = inside_dates(text)
    return frozenset(starts) - inside, frozenset(ends) - inside


_FUNCTION_WORDS = frozenset("a an the it its of to at for in on with and or by from".split())
_TITLES = frozenset("mr mrs ms mx dr prof sir".split())  # no name alone
# The calendar the event is put in ("put it on my calendar"), which is no place and no one.
_OWN_CALENDAR = re.compile(r"(?:my|your|our|the)\s+(?:calendar|schedule|agenda|diary)", re.I)


def is_fragment(value: str) -> bool:
    """Whether a copied location or attendee is a piece of a phrase rather than a name or a
    place: it starts with "a"/"an" ("a couple"), ends with a word that leads into another field
    ("cap it at"), is a lone function word ("a") or title ("Mr."), or is the calendar the event
    goes in ("my calendar"). No dev label's location or attendee is one (``python
    benchmarks/label_audit.py``, ``typed_rules.fragments``)."""
    words = value.split()  # "An" may be a name: the article is lower case
    return bool(words) and (
        words[0] in ("a", "an")
        or words[-1].lower().rstrip(_TRAILING) in _LEAD_INS
        or (len(words) == 1 and words[0] in _FUNCTION_WORDS)
        or (len(words) == 1 and words[0].lower().rstrip(".") in _TITLES)  # "Mr." of "Mr. Cole"
        or _OWN_CALENDAR.fullmatch(value.strip()) is not None
    )


def action_span(action: str, text: str, starts: Collection[int] | None = None) -> Span | None:
    """The first span of ``text`` (whitespace collapsed) that ``action`` is a copy of (case
    ignored), starting at one of ``starts`` when given; None when there is none. The location
    and attendees may not overlap it (``DecodeConfig.outside_action``): no dev label puts one
    inside its action (``python benchmarks/label_audit.py``, ``typed_rules.outside_action``)."""
    if not action.strip():
        return None
    for match in re.finditer(rf"(?<!\w){re.escape(fold(action))}(?!\w)", fold(text)):
        if starts is None or match.start() in starts:
            return match.span()
    return None


# "Ana + Bo", "Ana & team", "Ana and Bo", "Ana, and Bo": the name after the joiner (capitalized
# after "and": "Ana and then lunch" names no one else).
_JOINED = r"\s*(?:\+|&)\s*(?P<any>\w[\w'-]*)|,?\s+and\s+(?P<name>[A-Z][\w'-]*)"


def joined_names_missing(names: list[str], text: str) -> frozenset[int]:
    """Where in ``text`` the names start that the request joins to one of ``names`` ("Sarah +
    team", "Ana and Bo") and that no name of the list starts with (empty: none is missing).
    Every dev label that holds a name written that way holds the other one too
    (``python benchmarks/label_audit.py``, ``joined_attendees``)."""
    starts = {fold(n).split()[0] for n in names if n.strip()}
    missing = set()
    for name in filter(str.strip, names):
        pattern = rf"(?<!\w)(?i:{re.escape(name)})(?!\w)(?:{_JOINED})"
        for match in re.finditer(pattern, text):
            group = "any" if match["any"] else "name"
            if fold(match[group]) not in starts:
                missing.add(match.start(group))
    return frozenset(missing)
