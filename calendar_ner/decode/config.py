"""``DecodeConfig``: the one set of decoding options, from the command line to the adapter.

Every field is a flag of ``extract``, ``evaluate`` and ``serve`` (``--decode.<field>``), a
keyword of :meth:`calendar_ner.extract.CalendarExtractor.from_pretrained`, an option of the
LightningModule (``--model.decode.<field>``, used by validation, test and predict) and a key
of ``"decode"`` in the ``calendar_ner.json`` saved beside each adapter. A new option is a new
field here; the flags, the metadata and ``/health`` follow from it.

    >>> DecodeConfig.from_meta({"decode": {"exact_copy": False}}).exact_copy
    False
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from calendar_ner.decode.copy import COPY_FIELDS
from calendar_ner.schema import FIELDS


@dataclass(frozen=True)
class DecodeConfig:
    """How the constrained decoder may write each value, and how a decoded value is tidied."""

    copy_fields: list[str] = field(default_factory=lambda: list(COPY_FIELDS))
    """Fields whose strings must be word-start spans of the request text (compared ignoring
    case; ``exact_copy`` adds case), e.g. '[attendees, location]'; '[]' turns the constraint
    off. Date and time need the targets to copy them as written (``data.surface_datetime``)."""
    action_bounds: bool = True
    """With the action copied, start and end it only where a request's action can: never inside
    a phrase of content words (:func:`calendar_ner.decode.copy.action_starts`, ``action_ends``)."""
    planned_action: bool = True
    """With ``action_bounds``: a request that opens by planning time for something ("Book time
    to polish the slides", "Put in time for the talk") has that something as its action, as 4
    of the 5 dev labels of such requests do (:func:`calendar_ner.decode.copy.action_starts`)."""
    platform_in_action: bool = True
    """With ``action_bounds``: in the "length last" style ("Sync on Teams April 17, 2025 at 3:00
    pm, 1 hr.") an action that starts before a platform named ahead of the date keeps it, and
    the location is then not that platform, as 19 of the 23 dev labels of such requests have it
    (none names someone "with"; a request that does keeps no platform in its action:
    :func:`calendar_ner.decode.copy.platform_in_action`)."""
    place_bounds: bool = True
    """With the location copied, start it only where a place can: never right after a
    capitalized word ("HQ | Office"), never ending before a room's letter or number
    ("Conference Hall | A", "studio | 4"), and a room and its building with a comma between
    as one place ("East Annex, Room 9"), and a place with the street it is on ("Starbucks on
    Main St"); all 396 dev location labels that are a span of their request fit
    (:func:`calendar_ner.decode.copy.place_bounds`)."""
    name_bounds: bool = True
    """With the attendees copied, start and end a name only where a name can: never at a
    lower-case word that a capitalized one goes on from ("client | Greg"), never before a
    capitalized word that goes on with it ("Jordan | Lee"), never over a mark that joins a list
    of people ("Lior, Conf Rm B"; ``,``, ``;``, ``+``, a spaced ``&``); all 887 dev attendee
    labels that are a span of their request fit (:func:`calendar_ner.decode.copy.name_bounds`,
    :func:`calendar_ner.decode.copy.name_breaks`)."""
    exact_copy: bool = True
    """Spell a copied string with the tokens (and case) a training target spells that span of
    the request with, so a model cannot wander from one span into another."""
    ground_durations: bool = True
    """Respell a decoded duration the request never writes as the labels spell the amount the
    request states, e.g. '1 hour and a half' -> '1 hour 30 minutes'
    (:func:`calendar_ner.schema.ground_duration`)."""
    typed_dates: bool = True
    """Write a date only as a whole date expression of the request (absolute, partial like "May
    10", relative like "next Friday"; a weekday of "every Monday" only when no other date is
    written) or null (:func:`calendar_ner.decode.types.date_expressions`)."""
    typed_times: bool = True
    """Write a time only as a whole time expression of the request (a clock time, a range or its
    first part, a bare hour after "at", a part of the day) or null
    (:func:`calendar_ner.decode.types.time_expressions`)."""
    typed_durations: bool = True
    """Write a duration only as an amount the request states (as written or as the labels spell
    it) or the length of a time range it writes, or null
    (:func:`calendar_ner.decode.types.duration_values`)."""
    typed_recurrences: bool = True
    """Write a recurrence only as a whole recurrence expression of an English request ("weekly",
    "every other Friday", "first Monday of every month", "twice a week") or null, never a word
    the request does not hold (:func:`calendar_ner.decode.types.recurrence_expressions`)."""
    typed_copies: bool = True
    """Keep copied strings (action, location, attendees) off the request's dates, times,
    durations and repeat phrases: "Room 4B 1hr" cannot be a location, nor "Review 3rd Feb 2025",
    "Gym tomorrow" or "Standup weekdays" an action; and every copied string (notes too) off the
    words to the assistant ("Dear assistant, kindly", "Many thanks.":
    :func:`calendar_ner.decode.copy.words_to_assistant`). A note that states the event's
    length ("keep it an hour") or repeats another field ("w/ Marta" beside the attendee
    "Marta") is dropped after decoding, and one cut from a lead is the whole lead ("10 minutes
    before"; :func:`calendar_ner.decode.postprocess.typed_note`, ``note_apart``)."""
    outside_action: list[str] = field(default_factory=lambda: ["location"])
    """Copied fields whose strings may not overlap the span of the request the action was
    copied from, e.g. '[location, attendees]'; '[]' turns it off. No dev label puts a location
    or an attendee inside its action, so "Zoom" of "Zoom interview" is no location when the
    action is "Zoom interview"."""
    people_attendees: bool = True
    """Keep attendees off the request's meeting platforms and words for no place ("Teams",
    "Zoom", "online"; :func:`calendar_ner.decode.types.platform_spans`): an attendee is a person
    or a group. The dev labels put such a word in the location 187 times, in the attendees once.
    Nor is an attendee the event's location (post-processing drops it: "… at Harbor Books"):
    none of the 887 dev attendee labels is its row's location; nor a day or a pronoun ("w/ HR,
    Tues 2pm": no "Tues"; "they said": no "they"; none of the 887 is one), nor whom the location
    is named after ("Luigi" of "Luigi’s Trattoria"; none of the 6 dev requests with one), nor a
    place ("Smile Dental", "school hall": a name that ends in a word for a kind of place; none
    of the 887 is one), which is the location where the event has none; one the request writes
    right after "with" or "w/" stays ("Call with Bright Dental")."""
    platform_location: bool = True
    """A request that names a meeting platform or "online"/"virtual" outside the span of its
    action gets a location, never null (the model's scores pick which span of the request): 186
    of the 191 dev labels of such requests have that word as their location."""
    stated_attendees: bool = True
    """A request that says who the event is with ("with Sarah", "w/ team", or a name between a
    lower-case word and the date: "Feedback wrap-up Tomas 9th, Dec 2025") gets attendees, never
    null (the model's scores pick which span of the request): 380 of the 382 dev labels of such
    requests have them."""
    null_when_blocked: bool = True
    """When none of the model's best tokens may start the string it opened for an attendee or a
    location (a platform as an attendee, the action's words as the location), close it empty so
    the value is null, rather than write a span the model ranked lower."""
    joined_attendees: bool = True
    """Keep the attendee list open while a name in it is joined in the request to another name
    it lacks ("Sarah + team", "Ana & Bo", "Ana and Bo"): every dev label that holds a name
    written that way holds the other (:func:`calendar_ner.decode.copy.joined_names_missing`)."""
    location_article: bool = True
    """Drop a leading lower-case "the" from a location ("the gym lobby" -> "gym lobby"), as 75
    of the 81 dev labels whose request writes "the" before the location do; a capitalized "The"
    is part of a name ("The Grand Hotel") and stays."""
    action_without_attendees: bool = True
    """Cut from the end of a decoded action the attendees it names, with the "with"/"w/" before
    them ("Meet Omar" with attendee "Omar" -> "Meet"): no dev label's action holds one of its
    attendees (:func:`calendar_ner.decode.postprocess.action_without_attendees`)."""
    lower_frequency: bool = True
    """Write a recurrence that is a frequency word in lower case ("Weekly sync" -> "weekly"), as
    17 of the 21 dev labels do (each one a frequency word; the 4 others keep the capital that
    starts their request: "Weekly", "Monthly", "Annual" twice)."""
    purpose_notes: bool = True
    """Give a null note the purpose an English request states right after its location ("at
    Harbor Diner for brunch", "at the atrium to plan the fair"), as all 3 dev labels of such
    requests do (:func:`calendar_ner.decode.postprocess.purpose_note`)."""
    time_ranges: bool = True
    """Read a time that is a range of the request, or its first part ("3-5pm", "10:00-10:30",
    "from 2 to 4"), as its start ("3:00 PM", am/pm carried across the range), and give a null
    duration the range's length ("2 hours") (:func:`calendar_ner.schema.time_ranges`)."""
    date_ranges: bool = True
    """Read a date that is a range of days of the request, or its first day ("May 14-16", "Dec
    28 - Jan 3", "14-16 May 2027"), as its first day ("May 14", "14/05/2027"), and give a null
    duration of an event with no time and no recurrence the days it covers ("3 days")
    (:mod:`calendar_ner.date_ranges`)."""
    bare_hours: bool = True
    """Read a bare hour ("at 7", and in English "at 7:30") as the calendar resolver does: 1-7
    PM, 8-11 AM, 12 noon, unless the request says "morning" or "tonight"/"afternoon"/"evening"
    (:func:`calendar_ner.schema.bare_hour`)."""

    stated_not_null: bool = True
    """With ``typed_dates`` / ``typed_times``: a request that writes a date (time) expression
    gets one of them as its date (time), picked by the model's scores, never null; null stays
    for a request that writes none. Every dev label has a date and a time, and every one is
    among its request's candidates (``benchmarks/label_audit.py``, ``typed_rules``). With
    ``typed_durations`` the same holds for a length the request states as the event's, booked
    ("for an hour", "block out 30 minutes") or ending its phrase ("…, 45 mins.", "1hr w/ Tom";
    ``calendar_ner.decode.types.Candidates.duration_stated``): all 485 dev labels of such requests
    have a duration. With
    ``typed_recurrences`` the same holds for a recurrence the request states ("weekly", "daily",
    "every Wednesday", "on Mondays", "twice a week"; not "Quarterly" or "Annual", which name a
    review cycle the labels mostly leave null: 3 of 10 and 2 of 5): 16 of the 17 dev labels of
    such requests have a recurrence, and all 34 calendar-hard rows with an every/each phrase."""
    style_conventions: bool = True
    """Spell a duration the way the labels of the request's style do: a glued amount ("45min",
    "1hr") copied from a compact request with an am/pm time is spelled out ("45 minutes",
    "1 hour"), as those labels mostly do (:func:`calendar_ner.styles.spells_out_glued_units`;
    cross-validated in docs/results.md); in other styles a glued amount spelled out in words is
    written as the request glues it ("20min"), as all 95 such labels do
    (:func:`calendar_ner.styles.glued_as_written`)."""

    def __post_init__(self) -> None:
        unknown = sorted(set(self.copy_fields) - set(FIELDS))
        if unknown:
            raise ValueError(
                f"decode.copy_fields: unknown field(s) {unknown}; the fields are {list(FIELDS)}"
            )
        unknown = sorted(set(self.outside_action) - {"attendees", "location"})
        if unknown:
            raise ValueError(
                f"decode.outside_action: unknown field(s) {unknown}; the fields are "
                "['attendees', 'location']"
            )
        # Schema order, no repeats: the saved metadata and /health read the same whatever the
        # order given.
        for name in ("copy_fields", "outside_action"):
            object.__setattr__(self, name, [f for f in FIELDS if f in getattr(self, name)])

    @classmethod
    def from_meta(cls, meta: dict[str, Any], **overrides: Any) -> DecodeConfig:
        """The options saved in an adapter's ``calendar_ner.json`` (``meta``), then
        ``overrides`` that are not None; a key missing from both keeps its default. Adapters
        exported before ``"decode"`` existed keep these keys at the top level."""
        names = [f.name for f in fields(cls)]
        saved = meta.get("decode", meta)
        given = {k: saved[k] for k in names if saved.get(k) is not None}
        given |= {k: v for k, v in overrides.items() if v is not None}
        unknown = sorted(set(given) - set(names))
        if unknown:
            raise ValueError(f"unknown decoding option(s) {unknown}; the options are {names}")
        return cls(**given)

    def replace(self, **changes: Any) -> DecodeConfig:
        """A copy with ``changes`` applied (for ablations)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready options, as saved under ``"decode"`` in ``calendar_ner.json``."""
        return asdict(self)
