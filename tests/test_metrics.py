"""Hand-computed cases for the evaluation metrics in calendar_ner.models.metrics."""

from __future__ import annotations

import json
from typing import Any

import pytest
import torch

from calendar_ner.models.metrics import (
    ExactMatch,
    ExtractionMetrics,
    FieldF1,
    JSONValidity,
    field_errors,
    score,
)
from calendar_ner.prompt import render_target
from calendar_ner.schema import FIELDS, Event, SchemaError, empty_event


def event(**values: Any) -> Event:
    """A canonical event: the given fields, every other field null."""
    return {**empty_event(), **values}


def as_text(**values: Any) -> str:
    """A raw model output holding the given fields (other keys left out)."""
    return json.dumps(values)


def field_scores(preds: list[Any], targets: list[Event]) -> dict[str, float]:
    metric = FieldF1()
    metric.update(preds, targets)
    return {k: float(v) for k, v in metric.compute().items()}


def counts(preds: list[Any], targets: list[Event]) -> dict[str, list[int]]:
    """Per-field ``[TP, FP, FN]`` after one update."""
    metric = FieldF1()
    metric.update(preds, targets)
    return dict(zip(FIELDS, metric.counts.tolist()))


PERFECT = event(
    action="Team sync",
    date="09/02/2024",
    time="3:00 PM",
    attendees=["Sam", "Ana"],
    location="Room 4",
    duration="1 hour",
    recurrence="weekly",
)


# Six rows covering every counting rule; totals TP 14, FP 3, FN 5 (see test_score_micro).
ROWS: list[tuple[Any, Event]] = [
    (render_target(PERFECT), PERFECT),  # TP 8
    (as_text(action="Lunch"), event(action="Lunch", location="Cafe")),  # TP 1, FN 1
    (as_text(action="Lunch", location="Office"), event(action="Lunch", location="Cafe")),  # 1,1,1
    (as_text(action="Lunch", notes="bring laptop"), event(action="Lunch")),  # TP 1, FP 1
    (  # TP 3, FP 1, FN 1
        as_text(action="meet", attendees=["sam", "Ana", "Zed"]),
        event(action="Meet", attendees=["Sam", "Ana", "Bo"]),
    ),
    ("Sure! The event is Lunch.", event(action="Lunch", date="10/05/2025")),  # FN 2
]


def test_perfect_prediction() -> None:
    preds, targets = [render_target(PERFECT)], [PERFECT]
    c = counts(preds, targets)
    assert c["action"] == c["date"] == c["time"] == [1, 0, 0]
    assert c["attendees"] == [2, 0, 0]
    assert c["notes"] == [0, 0, 0]
    scores = field_scores(preds, targets)
    assert scores["f1"] == scores["precision"] == scores["recall"] == 1.0
    assert scores["date_f1"] == 1.0
    assert scores["notes_f1"] == scores["notes_precision"] == scores["notes_recall"] == 0.0
    assert score(preds, targets)["exact_match"] == 1.0
    assert score(preds, targets)["json_validity"] == 1.0


def test_null_for_non_null_is_a_miss() -> None:
    preds, targets = [as_text(action="Lunch")], [event(action="Lunch", location="Cafe")]
    c = counts(preds, targets)
    assert c["action"] == [1, 0, 0]
    assert c["location"] == [0, 0, 1]
    scores = field_scores(preds, targets)
    assert scores["precision"] == 1.0
    assert scores["recall"] == 0.5
    assert scores["f1"] == pytest.approx(2 / 3)
    assert scores["location_recall"] == scores["location_f1"] == 0.0
    assert score(preds, targets)["exact_match"] == 0.0


def test_wrong_value_is_false_positive_and_false_negative() -> None:
    preds = [as_text(action="Lunch", location="Office")]
    targets = [event(action="Lunch", location="Cafe")]
    assert counts(preds, targets)["location"] == [0, 1, 1]
    scores = field_scores(preds, targets)
    assert scores["precision"] == scores["recall"] == scores["f1"] == 0.5
    assert scores["location_precision"] == scores["location_recall"] == 0.0
    assert score(preds, targets)["exact_match"] == 0.0


def test_spurious_value_where_gold_is_null() -> None:
    preds, targets = [as_text(action="Lunch", notes="bring laptop")], [event(action="Lunch")]
    assert counts(preds, targets)["notes"] == [0, 1, 0]
    scores = field_scores(preds, targets)
    assert scores["precision"] == 0.5
    assert scores["recall"] == 1.0
    assert scores["f1"] == pytest.approx(2 / 3)
    assert scores["notes_precision"] == scores["notes_recall"] == scores["notes_f1"] == 0.0


def test_attendees_counted_per_name() -> None:
    preds = [as_text(attendees=["sam", "Ana", "Zed"])]
    targets = [event(attendees=["Sam", "Ana", "Bo"])]
    assert counts(preds, targets)["attendees"] == [2, 1, 1]
    scores = field_scores(preds, targets)
    assert scores["attendees_precision"] == scores["attendees_recall"] == pytest.approx(2 / 3)
    assert scores["attendees_f1"] == pytest.approx(2 / 3)


def test_attendees_are_a_multiset_and_order_free() -> None:
    duplicate = counts([as_text(attendees=["Sam", "sam"])], [event(attendees=["Sam"])])
    assert duplicate["attendees"] == [1, 1, 0]
    lone_string = counts([as_text(attendees="Sam")], [event(attendees=["Sam", "Bo"])])
    assert lone_string["attendees"] == [1, 0, 1]
    preds = [as_text(action="Call", attendees=["ana", "  Sam   Lee "])]
    targets = [event(action="Call", attendees=["Sam Lee", "Ana"])]
    assert score(preds, targets)["exact_match"] == 1.0


def test_field_errors_name_each_wrong_field_and_how() -> None:
    expected = [
        {},
        {"location": "missed"},
        {"location": "wrong"},
        {"notes": "invented"},
        {"attendees": "wrong"},  # Bo missing, Zed added; "meet" equals "Meet"
        {"action": "missed", "date": "missed"},  # not JSON: all-null
    ]
    assert [field_errors(pred, gold) for pred, gold in ROWS] == expected
    only_extra = field_errors(as_text(attendees=["Sam", "Bo"]), event(attendees=["Sam"]))
    assert only_extra == {"attendees": "invented"}


@pytest.mark.parametrize("pred", ["Sure! The event is Lunch.", "[1, 2]", '{"action": ', "", None])
def test_unparseable_is_invalid_and_all_null(pred: Any) -> None:
    targets = [event(action="Lunch", date="10/05/2025")]
    c = counts([pred], targets)
    assert c["action"] == c["date"] == [0, 0, 1]
    assert sum(fp for _, fp, _ in c.values()) == 0
    scores = score([pred], targets)
    assert scores["json_validity"] == 0.0
    assert scores["exact_match"] == 0.0
    assert scores["field_f1"] == scores["field_recall"] == 0.0


def test_unparseable_never_matches_even_an_all_null_gold() -> None:
    assert score(["oops"], [empty_event()])["exact_match"] == 0.0
    assert score(["{}"], [empty_event()])["exact_match"] == 1.0


def test_trailing_text_after_object_is_valid() -> None:
    assert score([as_text(action="Lunch") + " and more"], [event(action="Lunch")]) == score(
        [as_text(action="Lunch")], [event(action="Lunch")]
    )


def test_date_time_and_case_normalization() -> None:
    preds = [as_text(action="call MOM", date="2024-02-09", time="15:00", recurrence="Weekly")]
    targets = [event(action="Call mom", date="09/02/2024", time="3pm", recurrence="weekly")]
    c = counts(preds, targets)
    assert c["date"] == c["time"] == c["recurrence"] == c["action"] == [1, 0, 0]
    scores = score(preds, targets)
    assert scores["exact_match"] == 1.0
    assert scores["field_f1"] == 1.0


def test_parsed_dict_predictions() -> None:
    preds = [{"action": "Lunch", "date": "9 Feb 2024"}, None]
    targets = [event(action="Lunch", date="09/02/2024"), event(action="Lunch")]
    scores = score(preds, targets)
    assert scores["json_validity"] == 0.5
    assert scores["exact_match"] == 0.5
    assert scores["field_precision"] == 1.0
    assert scores["field_recall"] == pytest.approx(2 / 3)


def test_score_micro_over_all_rows() -> None:
    preds, targets = zip(*ROWS)
    scores = score(list(preds), list(targets))
    tp, fp, fn = 14, 3, 5
    assert scores["field_precision"] == pytest.approx(tp / (tp + fp))
    assert scores["field_recall"] == pytest.approx(tp / (tp + fn))
    assert scores["field_f1"] == pytest.approx(2 * tp / (2 * tp + fp + fn))
    assert scores["json_validity"] == pytest.approx(5 / 6)
    assert scores["exact_match"] == pytest.approx(1 / 6)
    # action: TP in rows 1-5 ("meet" equals "Meet"), FN in row 6.
    assert scores["action_precision"] == 1.0
    assert scores["action_recall"] == pytest.approx(5 / 6)
    assert scores["action_f1"] == pytest.approx(10 / 11)
    assert scores["location_precision"] == pytest.approx(1 / 2)
    assert scores["location_recall"] == pytest.approx(1 / 3)


def test_score_keys() -> None:
    scores = score([render_target(PERFECT)], [PERFECT])
    per_field = {f"{f}_{m}" for f in FIELDS for m in ("f1", "precision", "recall")}
    overall = {"json_validity", "exact_match", "field_f1", "field_precision", "field_recall"}
    assert set(scores) == overall | per_field
    assert all(isinstance(v, float) for v in scores.values())


def test_accumulation_across_updates_and_reset() -> None:
    preds, targets = (list(x) for x in zip(*ROWS))
    expected = score(preds, targets)
    metrics = ExtractionMetrics()
    for start in range(0, len(ROWS), 4):
        metrics.update(preds[start : start + 4], targets[start : start + 4])
    assert metrics.compute_flat() == expected
    flat = metrics.compute_flat(prefix="val/")
    assert flat == {f"val/{k}": v for k, v in expected.items()}
    metrics.reset()
    assert metrics["field"].counts.sum() == 0
    metrics.update(preds[:1], targets[:1])
    assert metrics.compute_flat()["field_f1"] == 1.0
    assert metrics.compute_flat()["exact_match"] == 1.0


@pytest.mark.parametrize(("metric_cls", "hits"), [(JSONValidity, 2), (ExactMatch, 1)])
def test_row_fractions_accumulate_and_reset(metric_cls: type, hits: int) -> None:
    metric = metric_cls()
    metric.update([render_target(PERFECT), "nope"], [PERFECT, PERFECT])
    metric.update([as_text(action="x")], [PERFECT])
    assert metric.compute() == pytest.approx(hits / 3)
    assert (int(metric.hits), int(metric.total)) == (hits, 3)
    metric.reset()
    assert (int(metric.hits), int(metric.total)) == (0, 0)


def test_field_state_is_a_long_count_tensor() -> None:
    metric = FieldF1()
    assert metric.counts.shape == (len(FIELDS), 3)
    assert metric.counts.dtype == torch.long
    assert metric._reductions["counts"] is not None


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="2 predictions for 1 targets"):
        score(["{}", "{}"], [PERFECT])
    with pytest.raises(TypeError, match="got int"):
        score([3], [PERFECT])
    with pytest.raises(SchemaError):
        score(["{}"], [{"action": "Lunch"}])
