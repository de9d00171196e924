"""Synthesis of new events with Faker names, rendered to text through the templates."""

from __future__ import annotations

import random

from faker import Faker

from calendar_ner.data.augment.pools import EntityPools, usable_name
from calendar_ner.data.augment.swap import random_date, random_time
from calendar_ner.data.augment.templates import render
from calendar_ner.schema import Event, canonicalize, empty_event

_TOPICS = (
    "Budget", "Roadmap", "Design", "Sprint", "Client", "Hiring", "Marketing", "Product", "Team",
    "Sales", "Q3", "Vendor", "Security", "Launch", "Ops", "Board", "Onboarding", "Data",
)  # fmt: skip
_KINDS = (
    "review", "sync", "check-in", "call", "mtg", "meeting", "workshop", "standup", "planning",
    "kickoff", "demo", "catch-up", "debrief", "retro", "interview", "brainstorm",
)  # fmt: skip
# Relative dates a synthetic event may carry (CorpusConfig.relative_dates), labelled as written:
# the schema keeps relative dates verbatim. Every real dev row has an absolute date and a clock
# time, so without such rows a model copies some other span, or invents a date, for "tomorrow".
RELATIVE_DATES = (
    "today", "tomorrow", "the day after tomorrow", "next week", "this weekend",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    "next Monday", "next Tuesday", "next Wednesday", "next Thursday", "next Friday",
    "this Friday", "this Saturday", "this Sunday",
)  # fmt: skip
_ATTENDEE_COUNTS = (0, 1, 2, 3, 4)
_ATTENDEE_WEIGHTS = (0.3, 0.3, 0.2, 0.12, 0.08)


def check_date_shares(relative_dates: float, undated: float, untimed: float) -> None:
    """A ValueError naming the share that is out of range."""
    for name, share in (
        ("relative_dates", relative_dates),
        ("undated", undated),
        ("untimed", untimed),
    ):
        if not 0 <= share < 1:
            raise ValueError(f"{name} must be in [0, 1), got {share}")
    if relative_dates + undated >= 1:
        raise ValueError("relative_dates + undated must sum to < 1: some rows need a date")


class Synthesizer:
    """Makes random events and their texts; the same pools and seed give the same sequence."""

    def __init__(
        self,
        pools: EntityPools,
        seed: int = 0,
        *,
        relative_dates: float = 0.0,
        undated: float = 0.0,
        untimed: float = 0.0,
    ) -> None:
        """``relative_dates``, ``undated``: shares of events whose date is relative (from
        :data:`RELATIVE_DATES`) or missing; ``untimed``: share of dated events with no time.
        At 0 no random draw is spent on them, so the sequence is that of earlier versions."""
        check_date_shares(relative_dates, undated, untimed)
        self.relative_dates, self.undated, self.untimed = relative_dates, undated, untimed
        self.pools = pools
        self.rng = random.Random(f"synth-{seed}")
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)

    def _action(self) -> str:
        rng = self.rng
        if rng.random() < 0.6:
            action = rng.choice(self.pools.actions)
        else:
            action = f"{rng.choice(_TOPICS)} {rng.choice(_KINDS)}"
        if rng.random() < 0.25 and action[1:2].islower():
            action = action[0].lower() + action[1:]
        return action

    def _names(self, count: int, avoid: str) -> list[str]:
        names: list[str] = []
        while len(names) < count:
            name = self.fake.first_name() if self.rng.random() < 0.5 else None
            if not name or not usable_name(name):
                name = self.rng.choice(self.pools.names)
            if name not in names and name.lower() not in avoid.lower():
                names.append(name)
        return names

    def add_rare(self, event: Event) -> Event:
        """The event with a recurrence and/or a note set (at least one). A recurrence word goes
        into the action ("Weekly team sync") only if it is not in ``pools.unlabelled_in_action``;
        an action from the pools that already holds such a word keeps it, labelled if drawn."""
        rng, event = self.rng, dict(event)
        roll = rng.random()
        if roll < 0.6 or roll > 0.85:
            recurrence = rng.choice(self.pools.recurrences)
            if (
                " " not in recurrence
                and event["action"]
                and recurrence.lower() not in self.pools.unlabelled_in_action
                and rng.random() < 0.4
            ):
                recurrence = recurrence.capitalize()  # "Weekly team sync"
                event["action"] = f"{recurrence} {event['action'][0].lower()}{event['action'][1:]}"
            event["recurrence"] = recurrence
        if roll >= 0.6:
            event["notes"] = rng.choice(self.pools.notes)
        return canonicalize(event)

    def event(self) -> Event:
        """A random canonical event; recurrence and notes are set now and then."""
        rng, event = self.rng, empty_event()
        event["action"] = self._action()
        roll = rng.random() if self.relative_dates or self.undated else 1.0
        if roll < self.relative_dates:
            event["date"] = rng.choice(RELATIVE_DATES)
        elif roll >= self.relative_dates + self.undated:
            event["date"] = random_date(rng)
        # Never neither: an undated event keeps its time.
        if event["date"] is None or not self.untimed or rng.random() >= self.untimed:
            event["time"] = random_time(rng)
        if rng.random() < 0.6:
            event["location"] = rng.choice(self.pools.locations)
        if rng.random() < 0.75:
            event["duration"] = rng.choice(self.pools.durations)
        count = rng.choices(_ATTENDEE_COUNTS, _ATTENDEE_WEIGHTS)[0]
        event["attendees"] = self._names(count, f"{event['action']} {event['location']}") or None
        if rng.random() < 0.08:
            event = self.add_rare(event)
        return canonicalize(event)

    def render(self, event: Event) -> str:
        """A request text for ``event``."""
        return render(event, self.rng)
