"""Event details (output, resolved, spans, confidence) from the Python API, the CLI and REST; the
span and confidence properties; iCalendar round trips; bad zone/reference errors before a model
loads; calibration on synthetic data. Tiny random model: the values are noise, the shapes not."""

from __future__ import annotations

import copy
import json
import random

import icalendar
import pytest
from fastapi.testclient import TestClient

import calendar_ner.extract as extract_module
from calendar_ner.__main__ import main
from calendar_ner.calibration import calibration, plot_reliability
from calendar_ner.decode.decoder import ConstrainedDecoder, Decoded
from calendar_ner.details import EventDetails, check_when, find_spans, local_timezone
from calendar_ner.extract import CalendarExtractor
from calendar_ner.schema import FIELDS
from calendar_ner.serve import create_app
from tests.conftest import answer_with, invented_rows

WHEN = {"reference": "2026-11-25T09:00", "timezone": "Europe/Berlin"}
TEXT = "Design review  on 3rd, Feb 2025 at 4pm with Priya at Room 4B for 1hr"
EVENT = {
    "action": "Design review",
    "date": "03/02/2025",
    "time": "4:00 PM",
    "attendees": ["Priya"],
    "location": "Room 4B",
    "duration": "1 hour",
    "recurrence": None,
    "notes": None,
}


@pytest.fixture(scope="module")
def extractor(adapter_dir) -> CalendarExtractor:
    return CalendarExtractor.from_pretrained(adapter_dir, dtype="float32", device="cpu")


@pytest.fixture
def scripted(extractor, monkeypatch) -> CalendarExtractor:
    """The extractor with its decoder answering EVENT for every text (for iCalendar checks)."""
    raw = json.dumps(EVENT)
    scores = dict.fromkeys(FIELDS, -0.1)
    monkeypatch.setattr(extractor, "decoder", copy.copy(extractor.decoder))
    answer_with(extractor.decoder, lambda texts: [Decoded(raw, scores) for _ in texts])
    return extractor


def _check_details(d: dict, text: str) -> None:
    assert list(d) == ["output", "resolved", "spans", "confidence"]
    assert list(d["output"]) == list(FIELDS)
    assert list(d["spans"]) == list(FIELDS) and list(d["confidence"]) == list(FIELDS)
    assert all(0.0 <= p <= 1.0 for p in d["confidence"].values())
    assert d["resolved"]["timezone"] == "Europe/Berlin"
    for field in FIELDS:
        value, span = d["output"][field], d["spans"][field]
        if value is None:
            assert span is None
        elif field == "attendees":
            for name, s in zip(value, span):
                assert s is None or " ".join(text[s[0] : s[1]].split()).lower() == name.lower()
        elif span and field in ("action", "location", "notes", "recurrence"):
            assert " ".join(text[span[0] : span[1]].split()).lower() == value.lower()


def test_api_details_same_output_and_shape(extractor, monkeypatch):
    """Details change no answer: outputs equal those decoded with score recording switched off."""
    texts = [r["event_text"] for r in invented_rows(3)]
    details = extractor.extract_batch(texts, 3, details=True, **WHEN)
    monkeypatch.setattr(ConstrainedDecoder, "_score", staticmethod(lambda *a: None))
    plain = extractor.extract_batch(texts, 3)
    assert all(isinstance(d, EventDetails) for d in details)
    assert [d.output for d in details] == plain
    for text, d in zip(texts, details):
        _check_details(d.to_dict(), text)
    assert extractor.extract(texts[0], details=True, **WHEN).output == plain[0]


def test_spans_of_written_expressions():
    spans = find_spans(TEXT, EVENT)
    got = {f: TEXT[s[0] : s[1]] for f, s in spans.items() if s and f != "attendees"}
    assert got == {
        "action": "Design review",
        "date": "3rd, Feb 2025",
        "time": "4pm",
        "location": "Room 4B",
        "duration": "1hr",
    }
    assert [TEXT[s:e] for s, e in spans["attendees"]] == ["Priya"]
    assert spans["recurrence"] is None and spans["notes"] is None
    # Whitespace runs and case: the decoder reads the text collapsed.
    text = "LUNCH\n  with   Sam tomorrow"
    spans = find_spans(text, {"action": "Lunch with Sam", "attendees": ["Sam", "Zoe"]})
    assert text[slice(*spans["action"])] == "LUNCH\n  with   Sam"
    assert spans["attendees"][1] is None


def test_when_defaults_and_errors():
    assert check_when(None, None)[1] == local_timezone()
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Base'"):
        check_when(None, "Mars/Base")
    with pytest.raises(ValueError, match="malformed reference"):
        check_when("next tuesday", "UTC")


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--timezone", "Mars/Base"], "unknown time zone 'Mars/Base'"),
        (["--reference", "25/11/2026"], "malformed reference"),
    ],
)
def test_cli_bad_when_fails_before_model_load(flags, message, monkeypatch, capsys):
    monkeypatch.setattr(extract_module, "load_extractor", lambda ns: pytest.fail("model loaded"))
    with pytest.raises(SystemExit):
        main(["extract", "Lunch", "--details", *flags])
    assert message in capsys.readouterr().err


def _cli(adapter_dir, *args) -> list[str]:
    flags = ["--reference", WHEN["reference"], "--timezone", WHEN["timezone"]]
    return ["extract", *args, "--model", str(adapter_dir), "--dtype", "float32", *flags]


def test_cli_details_single_and_jsonl(extractor, adapter_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(extract_module, "load_extractor", lambda ns: extractor)  # loaded once
    main(_cli(adapter_dir, TEXT, "--details"))
    _check_details(json.loads(capsys.readouterr().out), TEXT)
    rows = invented_rows(2)
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    main(_cli(adapter_dir, "--input", str(source), "--output", str(out), "--details"))
    written = [json.loads(line) for line in out.read_text().splitlines()]
    for row, got in zip(rows, written, strict=True):
        assert list(got) == list(dict.fromkeys([*row, "output", "resolved", "spans", "confidence"]))
        details = {k: got[k] for k in ("output", "resolved", "spans", "confidence")}
        _check_details(details, row["event_text"])


def _vevents(text: str) -> list:
    return icalendar.Calendar.from_ical(text).walk("VEVENT")


def test_cli_ics_round_trip(scripted, adapter_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(extract_module, "load_extractor", lambda ns: scripted)
    main(_cli(adapter_dir, TEXT, "--format", "ics"))
    (event,) = _vevents(capsys.readouterr().out)
    assert str(event["SUMMARY"]) == "Design review" and str(event["LOCATION"]) == "Room 4B"
    assert event.decoded("DTSTART").isoformat() == "2025-02-03T16:00:00+01:00"
    source, out = tmp_path / "in.jsonl", tmp_path / "out.ics"
    source.write_text("".join(json.dumps(r) + "\n" for r in invented_rows(3)))
    main(_cli(adapter_dir, "--input", str(source), "--output", str(out), "--format", "ics"))
    assert len(_vevents(out.read_text())) == 3


def test_rest_details_and_errors(extractor):
    with TestClient(create_app(extractor)) as client:
        body = client.post("/extract", json={"text": TEXT, "details": True, **WHEN}).json()
        _check_details(body["event"], TEXT)
        plain = client.post("/extract", json={"texts": [TEXT]}).json()["events"][0]
        assert plain == body["event"]["output"]
        for bad in ({"timezone": "Mars/Base"}, {"reference": "soon"}):
            response = client.post("/extract", json={"text": TEXT, **bad})
            assert response.status_code == 422, bad
        page, docs = client.get("/"), client.get("/docs")
        assert "<textarea" in page.text and "/static/app.js" in page.text
        assert "/static/swagger-ui/swagger-ui-bundle.js" in docs.text and "cdn" not in docs.text
        assert client.get("/static/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_rest_ics_round_trip(scripted):
    with TestClient(create_app(scripted)) as client:
        response = client.post("/extract", json={"texts": [TEXT, TEXT], "format": "ics", **WHEN})
        assert response.headers["content-type"].startswith("text/calendar")
        assert [str(e["SUMMARY"]) for e in _vevents(response.text)] == ["Design review"] * 2
        accept = {"accept": "text/calendar"}
        response = client.post("/extract", json={"text": TEXT, **WHEN}, headers=accept)
        (event,) = _vevents(response.text)
        assert [str(a.params["CN"]) for a in [event["ATTENDEE"]]] == ["Priya"]


def test_calibration_on_synthetic_predictions(tmp_path):
    rng = random.Random(0)
    rows = []
    for _ in range(2000):
        p = rng.random()
        rows.append({"field": rng.choice(["date", "time"]), "p": p, "correct": rng.random() < p})
    report = calibration(rows, bins=10)
    assert report["overall"]["ece"] < 0.05  # calibrated by construction
    assert set(report["fields"]) == {"date", "time"}
    high = report["overall"]["high_confidence"]
    assert high["threshold"] == 0.9 and high["accuracy"] > 0.85
    overconfident = [{**r, "p": 1.0} for r in rows]
    assert calibration(overconfident)["overall"]["ece"] > 0.4
    pytest.importorskip("matplotlib")
    path = plot_reliability(report, tmp_path / "reliability.png")
    assert path.stat().st_size > 0
