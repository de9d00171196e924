"""Property tests (hypothesis) over everything that reads untrusted text: the schema's
normalizers, the prompt builder, the decoder's value grammar and calendar resolution. Kept
quick (``max_examples`` bounded); ``benchmarks/fuzz.py`` runs the whole extractor on many more
inputs."""

from __future__ import annotations

import json
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendar_ner.calendar import resolve
from calendar_ner.data.io import unicode_text
from calendar_ner.decode.grammar import COMPLETE, value_status
from calendar_ner.prompt import build_prompt, encode_prompt, prompt_segments
from calendar_ner.schema import (
    FIELDS,
    LIST_FIELDS,
    canonicalize,
    ground_duration,
    normalize_date,
    normalize_duration,
    normalize_time,
    stated_durations,
)

FAST = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))

# Arbitrary text (surrogates included) mixed with calendar-looking fragments.
WORDS = st.sampled_from(
    "3rd, Feb 2025 | 2024-07-19 | 11 - Sep - 2026 | 4pm | 9:30 am | 13:15 | noon | tomorrow | "
    "for 1hr | 30 mins | 1 hour 30 minutes | 45m | weekly | every Monday | 99999999999 | "
    '-1 | 0:00 | 24:61 | 31/02/2025 | {"date": null} | ] | \\ | \u202e | \x00 | 12 pm pm'.split(
        " | "
    )
)
TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(WORDS, st.text(max_size=5)), max_size=12).map(" ".join),
)
VALUE = st.one_of(
    st.none(), TEXT, st.integers(), st.floats(), st.booleans(), st.lists(st.one_of(TEXT, st.none()))
)


@FAST
@given(TEXT)
def test_normalizers_never_raise_and_are_idempotent(text):
    date, time = normalize_date(text), normalize_time(text)
    assert isinstance(date, str) and isinstance(time, str)
    assert normalize_date(date) == date
    assert normalize_time(time) == time
    duration = normalize_duration(text)
    assert normalize_duration(duration) == duration


@FAST
@given(TEXT, st.one_of(st.none(), TEXT))
def test_durations_never_raise(text, value):
    stated = stated_durations(text)
    assert all(isinstance(k, float) and isinstance(v, list) for k, v in stated.items())
    grounded = ground_duration(value, text)
    assert grounded is None or isinstance(grounded, str)


@FAST
@given(st.dictionaries(st.sampled_from([*FIELDS, "extra"]), VALUE), st.booleans())
def test_canonicalize_lenient_always_gives_eight_typed_keys(obj, as_json):
    if as_json:
        obj = json.loads(json.dumps(obj, allow_nan=True))
    event = canonicalize(obj, strict=False)
    assert list(event) == list(FIELDS)
    for field, value in event.items():
        if field in LIST_FIELDS:
            assert value is None or (value and all(isinstance(v, str) for v in value))
        else:
            assert value is None or isinstance(value, str)
    assert canonicalize(event, strict=False) == event  # idempotent


@FAST
@given(TEXT, st.integers(min_value=1, max_value=96))
def test_prompt_builder_respects_the_token_budget(tokenizer, text, max_tokens):
    text = unicode_text(text)  # what CalendarExtractor.extract_batch hands the prompt builder
    head, body, tail = prompt_segments(text)
    assert body == " " + " ".join(text.split()) and head + body + tail == build_prompt(text)
    ids, cut = encode_prompt(tokenizer, text, max_tokens)
    fixed = len(encode_prompt(tokenizer, "", None)[0])
    assert len(ids) <= max(max_tokens, fixed + 1)
    assert not cut or len(ids) >= fixed


JSON_ISH = st.text(alphabet=' "[],\\nul\x01ab', max_size=16)


@FAST
@given(st.one_of(JSON_ISH, st.text(max_size=12)), st.booleans())
def test_every_complete_value_is_json_of_the_right_type(body, allow_list):
    for text in (body, " " + body):
        if value_status(text, allow_list) == COMPLETE:
            value = json.loads(text)
            if allow_list and isinstance(value, list):
                assert all(isinstance(v, str) for v in value)
            else:
                assert value is None or isinstance(value, str)


EVENTS = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), VALUE),
    VALUE,
)


@FAST
@given(EVENTS, TEXT)
def test_resolve_never_raises_on_any_event(event, text):
    result = resolve(event, text, datetime(2025, 3, 14, 9, 30), "Europe/Berlin")
    if result.all_day:  # a day without a time ("1rd-Feb 0001" is a day too): a date, no zone
        assert type(result.start) is date
    else:
        assert result.start is None or result.start.tzinfo is not None


@FAST
@given(st.text(max_size=30), st.text(max_size=30))
def test_resolve_raises_only_value_error_for_bad_zone_or_reference(zone, reference):
    try:
        resolve({}, "", reference, zone)
    except ValueError:
        pass
