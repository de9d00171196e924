"""Invariants of the augmentation subpackage, on a small hand-written fixture."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from calendar_ner.data.augment import augment, missing_in_text
from calendar_ner.data.augment.pools import (
    ACTIONS,
    RECURRENCES,
    EntityPools,
    has_word,
    unlabelled_in_action,
)
from calendar_ner.data.augment.style import restyle
from calendar_ner.data.augment.swap import swap
from calendar_ner.data.augment.synth import RELATIVE_DATES, Synthesizer
from calendar_ner.data.augment.templates import (
    DATE_FORMATS,
    TIME_FORMATS,
    date_surface,
    render,
    time_surface,
)
from calendar_ner.schema import FIELDS, canonicalize, location_kind, normalize_date, normalize_time


def _row(text: str, **values: object) -> dict:
    return {"event_text": text, "output": canonicalize({f: values.get(f) for f in FIELDS})}


FIXTURE = [
    _row(
        "Vendor call 3rd, Jun 2025 2pm w/ Priya on Webex 30m",
        action="Vendor call", date="03/06/2025", time="2:00 PM", attendees=["Priya"],
        location="Webex", duration="30m",
    ),
    _row(
        "Pottery class at the art studio on 14th Feb, 2026 at 6:30 pm for 2 hours.",
        action="Pottery class", date="14/02/2026", time="6:30 PM", location="art studio",
        duration="2 hours",
    ),
    _row(
        "Hiring sync 2024-09-18 10:15 am w/ Omar & Lena Teams 45 mins",
        action="Hiring sync", date="18/09/2024", time="10:15 AM", attendees=["Omar", "Lena"],
        location="Teams", duration="45 mins",
    ),
    _row(
        "Design critique on 07 - March - 2025 at 4pm with Kofi and Ines, lasting 1hr.",
        action="Design critique", date="07/03/2025", time="4:00 PM",
        attendees=["Kofi", "Ines"], duration="1hr",
    ),
    _row(
        "Weekly standup 12 - Jan - 2026 9:00\u202fam Google Meet",
        action="Weekly standup", date="12/01/2026", time="9:00 AM", location="Google Meet",
        recurrence="Weekly",
    ),
    _row(
        "August 5, 2025 11am vendor review Rosa, Tariq, Wen on Zoom",
        action="vendor review", date="05/08/2025", time="11:00 AM",
        attendees=["Rosa", "Tariq", "Wen"], location="Zoom",
    ),
    _row(
        "Dentist checkup 21/10/2024 at 8:45 am, 40 minutes.",
        action="Dentist checkup", date="21/10/2024", time="8:45 AM", duration="40 minutes",
    ),
    _row(
        "17:30 board meeting 30th, Nov 2025 in the Boardroom w/ Hugo 90 minutes",
        action="board meeting", date="30/11/2025", time="5:30 PM", attendees=["Hugo"],
        location="Boardroom", duration="90 minutes",
    ),
    _row(
        "Lunch w/ Marta + Dev 2025-04-22 12:30 pm at the noodle bar",
        action="Lunch", date="22/04/2025", time="12:30 PM", attendees=["Marta", "Dev"],
        location="noodle bar",
    ),
    _row(
        "Set monthly budget check 2024-11-04 3pm with Ngozi for 1 hour, bring receipts.",
        action="Set monthly budget check", date="04/11/2024", time="3:00 PM",
        attendees=["Ngozi"], duration="1 hour", recurrence="monthly", notes="bring receipts",
    ),
    _row(
        "Client demo Microsoft Teams 9th Sep, 2025 15:00 1.5 hours",
        action="Client demo", date="09/09/2025", time="3:00 PM", location="Microsoft Teams",
        duration="1.5 hours",
    ),
    _row(
        "Study group meeting May 2, 2026, 7 PM at the library with Yuki, Sam, and Bea",
        action="Study group meeting", date="02/05/2026", time="7:00 PM",
        attendees=["Yuki", "Sam", "Bea"], location="the library",
    ),
]  # fmt: skip


@pytest.fixture(scope="module")
def pools() -> EntityPools:
    return EntityPools.from_rows(FIXTURE, fake_names=60)


@pytest.fixture(scope="module")
def generated() -> list[dict]:
    return augment(FIXTURE, synth=300, seed=3)


def test_fixture_is_consistent():
    for row in FIXTURE:
        assert missing_in_text(row["event_text"], row["output"]) == [], row["event_text"]


def test_generated_rows_are_expressed_and_canonical(generated):
    assert len(generated) >= 300 + len(FIXTURE) // 2
    for row in generated:
        assert set(row) == {"event_text", "output", "source", "parent"}
        assert list(row["output"]) == list(FIELDS)
        assert canonicalize(row["output"], strict=True) == row["output"]
        assert missing_in_text(row["event_text"], row["output"]) == [], row
        assert row["source"] in {"swap", "template", "style", "synth"}
        assert (row["parent"] is None) == (row["source"] == "synth")


def test_all_variant_kinds_occur(generated):
    assert Counter(row["source"] for row in generated)["synth"] >= 300
    many = augment(FIXTURE * 5, seed=1)
    assert {row["source"] for row in many} == {"swap", "template", "style"}


def test_at_most_one_variant_per_row(generated):
    parents = Counter(row["parent"] for row in generated if row["parent"] is not None)
    assert all(0 <= p < len(FIXTURE) and n == 1 for p, n in parents.items())
    assert augment(FIXTURE, variants_per_row=0) == []
    with pytest.raises(ValueError):
        augment(FIXTURE, variants_per_row=2)


def test_deterministic():
    first = augment(FIXTURE, synth=40, seed=7)
    assert first == augment(FIXTURE, synth=40, seed=7)
    assert first != augment(FIXTURE, synth=40, seed=8)


def _rare(rows: list[dict]) -> int:
    return sum(
        r["output"]["recurrence"] is not None or r["output"]["notes"] is not None for r in rows
    )


def test_rare_fields_reach_minimum(generated):
    assert _rare(FIXTURE + generated) >= 0.15 * len(FIXTURE + generated)
    # with no synthetic rows requested, rare synthetic rows are added
    only_rare = augment(FIXTURE, variants_per_row=0, rare_min_frac=0.5)
    assert only_rare and _rare(only_rare) == len(only_rare)
    assert _rare(FIXTURE + only_rare) >= 0.5 * len(FIXTURE + only_rare)


@pytest.mark.parametrize("fmt", sorted(DATE_FORMATS))
def test_date_formats_round_trip(fmt):
    rng = random.Random(0)
    for value in ("01/01/2023", "02/02/2024", "13/05/2025", "29/02/2024", "31/12/2027"):
        for _ in range(3):
            surface = date_surface(value, rng, fmt)
            assert surface != value or fmt == "slash_day_first"
            assert normalize_date(surface) == value


@pytest.mark.parametrize("fmt", sorted(TIME_FORMATS))
def test_time_formats_round_trip(fmt):
    rng = random.Random(0)
    for value in ("12:00 AM", "6:05 AM", "9:30 AM", "12:00 PM", "12:45 PM", "3:00 PM", "9:15 PM"):
        surface = time_surface(value, rng, fmt)
        assert normalize_time(surface) == value
        if TIME_FORMATS[fmt](*_hm(value)) is None:
            assert surface == value


def _hm(value: str) -> tuple[int, int]:
    clock, suffix = value.split()
    hour, minute = map(int, clock.split(":"))
    return hour % 12 + (12 if suffix == "PM" else 0), minute


def test_render_keeps_every_value(pools):
    synthesizer = Synthesizer(pools, seed=0)
    rng = random.Random(0)
    for row in FIXTURE:
        for _ in range(20):
            text = render(row["output"], rng)
            assert missing_in_text(text, row["output"]) == [], text
    for _ in range(200):
        event = synthesizer.add_rare(synthesizer.event())
        assert missing_in_text(synthesizer.render(event), event) == []


def test_synth_relative_and_missing_dates_and_times(pools):
    plain = Synthesizer(pools, seed=0)
    assert all(plain.event()["date"][:1].isdigit() for _ in range(200))  # off by default
    synthesizer = Synthesizer(pools, seed=0, relative_dates=0.08, undated=0.04, untimed=0.05)
    events = [synthesizer.event() for _ in range(400)]
    relative = [e for e in events if e["date"] in RELATIVE_DATES]
    assert len(relative) >= 10  # ~8%, labelled as written
    assert sum(e["date"] is None for e in events) >= 5
    assert sum(e["time"] is None for e in events) >= 5
    assert all(e["date"] or e["time"] for e in events)
    for event in relative:
        text = synthesizer.render(event)
        assert event["date"] in text and missing_in_text(text, event) == [], text
        on_date = re.search(rf"\bon {event['date']}", text)  # "on Friday", never "on tomorrow"
        assert not on_date or event["date"].split()[0].endswith("day"), text


@pytest.mark.parametrize(
    "kwargs, message",
    [({"relative_dates": 0.6, "undated": 0.5}, "sum to < 1"), ({"untimed": 1.0}, "untimed")],
)
def test_synth_date_shares_are_checked(pools, kwargs, message):
    with pytest.raises(ValueError, match=message):
        Synthesizer(pools, **kwargs)


def test_swap_updates_text_and_label(pools):
    row = FIXTURE[2]
    text, event = row["event_text"], row["output"]
    for field in ("action", "attendees", "location", "duration", "date", "time"):
        result = swap(text, event, field, pools, random.Random(1))
        assert result is not None, field
        new_text, new_event = result
        assert new_text != text and new_event[field] != event[field]
        assert missing_in_text(new_text, new_event) == []
        unchanged = [f for f in FIELDS if f != field]
        assert [new_event[f] for f in unchanged] == [event[f] for f in unchanged]
    new_text, new_event = swap(text, event, "location", pools, random.Random(2))
    assert location_kind(new_event["location"]) == "platform"
    assert new_event["location"] != "Teams" and new_event["location"] in new_text


def test_swap_not_applicable():
    pools = EntityPools.from_rows(FIXTURE, fake_names=10)
    twice = "Zoom prep 2025-01-02 9am on Zoom"
    event = canonicalize({**dict.fromkeys(FIELDS), "action": "Zoom prep", "location": "Zoom",
                          "date": "2025-01-02", "time": "9am"})  # fmt: skip
    assert swap(twice, event, "location", pools, random.Random(0)) is None
    assert swap(twice, event, "notes", pools, random.Random(0)) is None


def test_swap_updates_label_containing_the_value(pools):
    row = FIXTURE[4]  # "Weekly standup", recurrence "Weekly"
    for seed in range(10):
        result = swap(row["event_text"], row["output"], "recurrence", pools, random.Random(seed))
        if result is not None:
            text, event = result
            assert event["action"].startswith(event["recurrence"])
            assert missing_in_text(text, event) == []


def test_restyle_keeps_labels_verbatim():
    rng = random.Random(0)
    changed = 0
    for row in FIXTURE * 10:
        result = restyle(row["event_text"], row["output"], rng)
        if result is not None:
            changed += 1
            assert result[0] != row["event_text"]
            assert missing_in_text(*result) == []
    assert changed > len(FIXTURE)


def test_style_conventions_spell_out_glued_minutes_where_the_style_does():
    compact = "Budget sync 3rd, Feb 2025 3pm w/ Ana + Joe 45 minutes"
    iso = "Budget sync 2025-02-03 15:00 w/ Ana + Joe 45 minutes"
    event = canonicalize({**dict.fromkeys(FIELDS), "action": "Budget sync", "date": "03/02/2025",
                          "time": "3:00 PM", "attendees": ["Ana", "Joe"],
                          "duration": "45 minutes"})  # fmt: skip
    labels = {}
    for text in (compact, iso):
        for conventions in (False, True):
            for seed in range(200):
                result = restyle(text, event, random.Random(seed), conventions)
                if result and re.search(r"\b45(?:min|mins|m)\b", result[0]):
                    assert missing_in_text(*result) == []
                    key = (text == compact, conventions)
                    labels.setdefault(key, set()).add(result[1]["duration"])
    # Compact with an am/pm time: the label stays spelled out (with conventions); ISO: copied.
    assert labels[(True, True)] == {"45 minutes"}
    assert "45 minutes" not in labels[(True, False)]
    assert "45 minutes" not in labels[(False, True)]


def test_missing_in_text_catches_wrong_labels():
    text = "Budget sync 4th, Mar 2025 at 2:30 pm w/ Ana & Joe on Zoom for 45 mins"
    good = canonicalize({**dict.fromkeys(FIELDS), "action": "Budget sync", "date": "04/03/2025",
                         "time": "2:30 PM", "attendees": ["Ana", "Joe"], "location": "Zoom",
                         "duration": "45 mins"})  # fmt: skip
    assert missing_in_text(text, good) == []
    assert missing_in_text(text, {**good, "date": "03/04/2025"}) == ["date"]
    assert missing_in_text(text, {**good, "time": "2:30 AM"}) == ["time"]
    assert missing_in_text(text, {**good, "attendees": ["Ana", "Jo", "Max"]}) == ["attendees"]
    assert missing_in_text(text, {**good, "location": "Teams"}) == ["location"]
    assert missing_in_text(text, {**good, "duration": "30 minutes"}) == ["duration"]
    assert missing_in_text(text, {**good, "duration": "45 minutes"}) == []  # spells "45 mins"
    assert missing_in_text(text, {**good, "notes": "bring slides"}) == ["notes"]
    assert missing_in_text("Call 2025-03-04 14:30", {**good, "attendees": None, "location": None,
                           "duration": None, "action": "Call"}) == []  # fmt: skip


# Invented rows: "Quarterly" inside the action is labelled once and left null twice, "Weekly"
# labelled both times it occurs there.
QUARTERLY = [
    _row("Quarterly review 2025-03-04 10am", action="Quarterly review", date="04/03/2025",
         time="10:00 AM"),
    _row("Quarterly planning 2025-06-05 11am", action="Quarterly planning", date="05/06/2025",
         time="11:00 AM"),
    _row("Quarterly sync 2025-09-06 9am", action="Quarterly sync", date="06/09/2025",
         time="9:00 AM", recurrence="Quarterly"),
    _row("Weekly huddle 2025-02-03 8am", action="Weekly huddle", date="03/02/2025",
         time="8:00 AM", recurrence="Weekly"),
]  # fmt: skip


def test_unlabelled_in_action_follows_the_labels():
    assert unlabelled_in_action(QUARTERLY + FIXTURE, RECURRENCES) == {"quarterly"}
    assert unlabelled_in_action(FIXTURE, RECURRENCES) == frozenset()  # "Weekly" is labelled
    pools = EntityPools.from_rows(QUARTERLY, fake_names=10, match_action_recurrence=True)
    assert pools.unlabelled_in_action == {"quarterly"}
    assert EntityPools.from_rows(QUARTERLY, fake_names=10).unlabelled_in_action == frozenset()
    tie = [  # 1 of 2 labelled: a tie keeps the word; a null action and a phrase label count not
        _row("Annual gala 2025-12-01 7pm", action="Annual gala", date="01/12/2025",
             time="7:00 PM"),
        _row("Annual review 2025-12-02 9am", action="Annual review", date="02/12/2025",
             time="9:00 AM", recurrence="Annual"),
        _row("2025-12-03 9am annual", date="03/12/2025", time="9:00 AM", recurrence="annual"),
        _row("Weekly call 2025-12-04 9am every week", action="Weekly call", date="04/12/2025",
             time="9:00 AM", recurrence="every week"),
    ]  # fmt: skip
    assert unlabelled_in_action(tie, RECURRENCES) == {"weekly"}
    assert has_word("weekly", "Weekly huddle") and not has_word("weekly", "Biweekly huddle")
    assert not has_word("weekly", None)


@pytest.mark.parametrize("seed", range(4))
def test_synth_keeps_unlabelled_words_out_of_actions(seed):
    pools = EntityPools.from_rows(QUARTERLY + FIXTURE, fake_names=30, match_action_recurrence=True)
    pools.actions = list(ACTIONS)  # no action of its own holds "quarterly"
    pools.recurrences = ["quarterly", "weekly"]
    synthesizer = Synthesizer(pools, seed=seed)
    events = [synthesizer.add_rare(synthesizer.event()) for _ in range(300)]
    labelled = [e for e in events if e["recurrence"]]
    assert any(has_word("weekly", e["action"]) for e in labelled)  # still put into actions
    quarterly = [e for e in labelled if e["recurrence"].lower() == "quarterly"]
    assert quarterly
    for event in quarterly:  # never in the action: said in a phrase of its own
        text = synthesizer.render(event)
        assert not has_word("quarterly", event["action"]) and has_word("quarterly", text), text
        assert missing_in_text(text, event) == []


def test_swap_keeps_unlabelled_words_out_of_actions():
    pools = EntityPools.from_rows(QUARTERLY + FIXTURE, fake_names=10)
    pools.recurrences = ["quarterly", "monthly"]
    row = FIXTURE[4]  # "Weekly standup", recurrence "Weekly"
    phrase = _row("Yoga class 2025-05-06 7am, repeats weekly", action="Yoga class",
                  date="06/05/2025", time="7:00 AM", recurrence="weekly")  # fmt: skip

    def swapped(row: dict) -> set[str]:
        results = (swap(row["event_text"], row["output"], "recurrence", pools, random.Random(s))
                   for s in range(20))  # fmt: skip
        return {event["recurrence"].lower() for _, event in results}

    assert swapped(row) == swapped(phrase) == {"quarterly", "monthly"}  # without the option
    pools.unlabelled_in_action = frozenset({"quarterly"})
    assert swapped(row) == {"monthly"}  # into the action: only a word the labels mark there
    assert swapped(phrase) == {"quarterly", "monthly"}  # its own phrase: any word
    text, event = swap(row["event_text"], row["output"], "recurrence", pools, random.Random(0))
    assert event["action"] == "Monthly standup" and missing_in_text(text, event) == []
