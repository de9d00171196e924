"""Pools of surface values per field, read from training rows and topped up with built-in ones."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from faker import Faker

from calendar_ner.schema import PLATFORMS, VIRTUAL
from calendar_ner.spans import is_calendar_word

PLACES: tuple[str, ...] = (
    "HQ",
    "Boardroom",
    "the bakery",
    "Conference Room B",
    "the library",
    "Room 204",
    "the office",
    "cafeteria",
    "the lobby",
    "Main Office",
    "rooftop terrace",
    "Building 4",
    "the gym",
    "city hall",
    "the diner",
    "the coworking space",
    "Training Room",
    "reception",
    "the park",
    "Studio 3",
    "Lab 2",
    "client office",
    "Cafe Luna",
    "the warehouse",
    "Innovation Hub",
    "Floor 5 lounge",
)
ACTIONS: tuple[str, ...] = (
    "Team sync",
    "Budget review",
    "1:1",
    "Standup",
    "Design review",
    "Client call",
    "Lunch",
    "Coffee chat",
    "Sprint planning",
    "Retro",
    "Interview",
    "Product demo",
    "Dentist appointment",
    "Yoga class",
    "Project kickoff",
    "Strategy mtg",
    "Catch-up",
    "Onboarding session",
    "Board meeting",
    "Pair programming",
)
DURATIONS: tuple[str, ...] = (
    "1hr",
    "1 hr",
    "1h",
    "1 hour",
    "45m",
    "45 mins",
    "45min",
    "30 min",
    "30min",
    "30m",
    "15 minutes",
    "20 mins",
    "2 hours",
    "2hrs",
    "90 minutes",
    "90 mins",
    "1.5 hrs",
    "1.5 hours",
    "3 hours",
    "half an hour",
    "an hour",
    "1 hour 30 minutes",
    "10 min",
)
RECURRENCES: tuple[str, ...] = (
    "weekly",
    "daily",
    "monthly",
    "biweekly",
    "quarterly",
    "Annual",
    "yearly",
    "fortnightly",
    "every Monday",
    "every Friday",
    "every weekday",
    "every other week",
    "every 2 weeks",
    "twice a week",
)
NOTES: tuple[str, ...] = (
    "bring laptop",
    "agenda in the shared doc",
    "bring printed slides",
    "camera on",
    "prepare Q3 numbers",
    "vegetarian options",
    "parking on level 2",
    "casual dress",
    "send recap after",
    "review the draft first",
    "confidential",
    "bring ID badge",
    "first round",
    "high priority",
    "tentative",
)
_FAKER_LOCALES = ("en_US", "en_GB", "en_IN")


def usable_name(name: str) -> bool:
    """A first name that cannot be mistaken for a month or weekday ("May", "June")."""
    return len(name) > 1 and name.isalpha() and not is_calendar_word(name)


def has_word(word: str, text: str | None) -> bool:
    """True when ``word`` is a whole word of ``text`` ("Weekly" in "Weekly sync"), any case."""
    return bool(text) and re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE) is not None


def unlabelled_in_action(rows: Iterable[dict[str, Any]], words: Iterable[str]) -> frozenset[str]:
    """Lower-cased single ``words`` that ``rows`` leave unlabelled in most actions holding them.

    The real labels treat a frequency word inside the action unevenly: "Weekly sync" is labelled
    weekly, but "Quarterly review" mostly keeps recurrence null. A word counts as labelled in a
    row when its recurrence label holds it ("Weekly" for "Weekly sync"; "every week" does not).
    Words no action holds, and ties, are left out: the synthesis keeps labelling them.
    """
    candidates = {w.lower() for w in words if " " not in w}
    seen: Counter[str] = Counter()
    labelled: Counter[str] = Counter()
    for row in rows:
        output = row["output"]
        for word in candidates:
            if has_word(word, output.get("action")):
                seen[word] += 1
                labelled[word] += has_word(word, output.get("recurrence"))
    return frozenset(w for w, n in seen.items() if 2 * labelled[w] < n)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def fake_first_names(count: int, seed: int) -> list[str]:
    """``count`` (or fewer, after dropping duplicates) Faker first names, reproducible by seed."""
    names = []
    for k, locale in enumerate(_FAKER_LOCALES):
        fake = Faker(locale)
        fake.seed_instance(seed * 31 + k)
        names += [fake.first_name() for _ in range(count // len(_FAKER_LOCALES) + 1)]
    return [n for n in _unique(names) if usable_name(n)][:count]


@dataclass
class EntityPools:
    """Unique surface values per field; every value is copied verbatim into generated text."""

    actions: list[str] = field(default_factory=lambda: list(ACTIONS))
    names: list[str] = field(default_factory=lambda: fake_first_names(300, 0))
    locations: list[str] = field(default_factory=lambda: list(PLATFORMS + VIRTUAL + PLACES))
    durations: list[str] = field(default_factory=lambda: list(DURATIONS))
    recurrences: list[str] = field(default_factory=lambda: list(RECURRENCES))
    notes: list[str] = field(default_factory=lambda: list(NOTES))
    unlabelled_in_action: frozenset[str] = frozenset()
    """Recurrence words (lower case) that synthesis never prepends, nor swaps, into an action;
    an action taken from the rows that already holds one can still get it as its label."""

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[dict[str, Any]],
        *,
        seed: int = 0,
        fake_names: int = 300,
        match_action_recurrence: bool = False,
    ) -> EntityPools:
        """Values from canonical rows (only those that occur in their own text) plus defaults;
        ``match_action_recurrence`` also reads :func:`unlabelled_in_action` from the rows."""
        rows = list(rows)
        found: dict[str, list[str]] = {
            k: [] for k in ("action", "attendees", "location", "duration", "recurrence", "notes")
        }
        for row in rows:
            text = " ".join(row["event_text"].split()).lower()
            for key, values in found.items():
                value = row["output"].get(key)
                items = value if isinstance(value, list) else [value]
                values += [v for v in items if v and v.lower() in text]
        names = [n for n in found["attendees"] if usable_name(n)]
        return cls(
            actions=_unique(found["action"] + list(ACTIONS)),
            names=_unique(names + fake_first_names(fake_names, seed)),
            locations=_unique(found["location"] + list(PLATFORMS + VIRTUAL + PLACES)),
            durations=_unique(found["duration"] + list(DURATIONS)),
            recurrences=_unique(found["recurrence"] + list(RECURRENCES)),
            notes=_unique(found["notes"] + list(NOTES)),
            unlabelled_in_action=unlabelled_in_action(rows, found["recurrence"] + list(RECURRENCES))
            if match_action_recurrence
            else frozenset(),
        )

    def for_field(self, name: str) -> list[str]:
        """The pool that holds values of schema field ``name`` (attendees → names)."""
        return {
            "action": self.actions,
            "attendees": self.names,
            "location": self.locations,
            "duration": self.durations,
            "recurrence": self.recurrences,
            "notes": self.notes,
        }[name]
