"""Python API and `extract` CLI on a tiny random Llama (no real model needed; the REST server
is tests/test_serve.py)."""

import json
import shutil
from dataclasses import dataclass

import pytest
import torch

from calendar_ner import extract
from calendar_ner.__main__ import main
from calendar_ner.data.io import DataError
from calendar_ner.decode import COPY_FIELDS, DecodeConfig
from calendar_ner.decode.decoder import Decoded
from calendar_ner.extract import CalendarExtractor, load_for_inference, resolve_dtype
from calendar_ner.models.weights import load_model
from calendar_ner.prompt import render_target
from calendar_ner.schema import FIELDS, empty_event
from tests.conftest import TINY, answer_with


@pytest.fixture(scope="module")
def extractor(adapter_dir):
    return CalendarExtractor.from_pretrained(adapter_dir)


def _echo_extractor(tokenizer) -> CalendarExtractor:
    """An extractor whose decoder answers each text with that text as the action (and an
    amount spelled out as the duration), to see what extract_batch does around the decoder."""
    extractor = CalendarExtractor(load_model(TINY).eval(), tokenizer)

    def echo(texts: list[str]) -> list[Decoded]:
        event = empty_event() | {"duration": "1 hour and a half"}
        return [Decoded(render_target(event | {"action": t}), {}) for t in texts]

    answer_with(extractor.decoder, echo)
    return extractor


def test_extract_keeps_input_order(tokenizer):
    # Decoded shortest first, in batches of 2: the answers still come back in input order.
    texts = ["a much longer request text about a meeting", "short", "", "mid length text"]
    events = _echo_extractor(tokenizer).extract_batch(texts, batch_size=2)
    assert [e["action"] for e in events] == [t or None for t in texts]


def test_extract_grounds_each_duration_in_its_own_request(tokenizer):
    extractor = _echo_extractor(tokenizer)
    texts = ["Retro for an hour and a half", "Retro 1 hour and a half", "Retro at 4pm"]
    durations = [e["duration"] for e in extractor.extract_batch(texts, batch_size=2)]
    assert durations == ["1 hour 30 minutes", "1 hour and a half", "1 hour and a half"]
    extractor.config = DecodeConfig(ground_durations=False)
    assert extractor.extract(texts[0])["duration"] == "1 hour and a half"


def test_api_returns_schema_valid_events(extractor):
    event = extractor.extract("Lunch with Sam tomorrow at 1pm")
    assert list(event) == list(FIELDS)
    events = extractor.extract_batch(["a", "", "b" * 3000], batch_size=2)
    assert len(events) == 3 and all(list(e) == list(FIELDS) for e in events)


def test_long_text_warns(extractor, caplog):
    extractor.extract_batch(["word " * 2000])
    assert "were cut" in caplog.text


def test_load_accepts_run_folder_and_rejects_junk(adapter_dir, tmp_path):
    model, _, meta = load_for_inference(adapter_dir.parent)
    assert meta["base_model"] == TINY and not hasattr(model, "peft_config")  # merged
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_for_inference(tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="neither an adapter"):
        load_for_inference(tmp_path)
    with pytest.raises(ValueError, match="dtype"):
        load_for_inference(adapter_dir, dtype="int3")
    with pytest.raises(ValueError, match="device"):
        load_for_inference(adapter_dir, device="tpu")


@pytest.mark.parametrize("native", [True, False])
def test_auto_dtype_is_bf16_only_on_native_bf16_cpus(adapter_dir, monkeypatch, native):
    monkeypatch.setattr(extract, "_cpu_has_native_bf16", lambda: native)
    assert resolve_dtype("auto", "cpu") == ("bfloat16" if native else "float32")
    assert resolve_dtype("float32", "cpu") == "float32"
    model, _, meta = load_for_inference(adapter_dir, device="cpu")
    assert meta["inference"] == {"dtype": resolve_dtype("auto", "cpu"), "device": "cpu"}
    assert next(model.parameters()).dtype == (torch.bfloat16 if native else torch.float32)


def test_cli_single_text(adapter_dir, capsys):
    main(["extract", "Dentist on 3rd, Feb 2025 at 9am", "--model", str(adapter_dir)])
    assert list(json.loads(capsys.readouterr().out)) == list(FIELDS)


@pytest.mark.parametrize(
    "key, off",
    [
        ("copy_fields", ["location"]),
        ("action_bounds", False),
        ("exact_copy", False),
        ("ground_durations", False),
    ],
)
def test_decode_option_from_argument_then_model_then_default(
    adapter_dir, tmp_path, monkeypatch, key, off
):
    default = getattr(DecodeConfig(), key)
    assert CalendarExtractor.from_pretrained(adapter_dir).meta["decode"][key] == default
    given = CalendarExtractor.from_pretrained(adapter_dir, **{key: off})
    assert getattr(given.config, key) == off and given.meta["decode"][key] == off
    meta = json.loads((adapter_dir / "calendar_ner.json").read_text())
    for i, saved in enumerate(({"decode": {key: off}}, {key: off})):  # as exported; and older
        other = tmp_path / f"adapter-{i}"
        shutil.copytree(adapter_dir, other)
        (other / "calendar_ner.json").write_text(json.dumps(meta | saved))
        assert getattr(CalendarExtractor.from_pretrained(other).config, key) == off
    built = []
    load = CalendarExtractor.from_pretrained.__func__
    monkeypatch.setattr(
        CalendarExtractor,
        "from_pretrained",
        classmethod(lambda cls, *a, **kw: built.append(load(cls, *a, **kw)) or built[-1]),
    )
    flag = json.dumps(off) if isinstance(off, bool) else "[" + ", ".join(off) + "]"
    main(["extract", "Lunch at noon", "--model", str(adapter_dir), f"--decode.{key}", flag])
    assert getattr(built[0].config, key) == off


def test_copy_fields_reach_the_decoder(adapter_dir):
    assert CalendarExtractor.from_pretrained(adapter_dir).decoder.copy_fields == set(COPY_FIELDS)
    extractor = CalendarExtractor.from_pretrained(adapter_dir, copy_fields=["location"])
    assert extractor.decoder.copy_fields == {"location"}
    assert not extractor.decoder.action_bounds  # bounds need the action copied


@dataclass(frozen=True)
class _WithDummy(DecodeConfig):
    dummy_option: bool = False
    """A dummy decoding option, only for this test."""


def test_a_new_decode_option_reaches_cli_api_and_metadata(adapter_dir, monkeypatch, capsys):
    # One new field of the decoding config is all a new option needs.
    monkeypatch.setattr(extract, "DecodeConfig", _WithDummy)
    with pytest.raises(SystemExit):
        main(["extract", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--decode.dummy_option" in help_text and "A dummy decoding option" in help_text
    extractor = CalendarExtractor.from_pretrained(adapter_dir, dummy_option=True)
    assert extractor.config.dummy_option is True
    assert extractor.meta["decode"]["dummy_option"] is True
    with pytest.raises(ValueError, match="unknown decoding option"):
        CalendarExtractor.from_pretrained(adapter_dir, not_an_option=True)


def test_adapter_without_weights_is_named(adapter_dir, tmp_path):
    other = tmp_path / "adapter"
    shutil.copytree(adapter_dir, other)
    (other / "adapter_model.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match=r"adapter_config\.json but no adapter weights"):
        load_for_inference(other)


def test_cli_copy_fields_flag(adapter_dir, capsys):
    text = "Dentist on 3rd, Feb 2025 at 9am"
    main(["extract", text, "--model", str(adapter_dir), "--decode.copy_fields", "[attendees]"])
    assert list(json.loads(capsys.readouterr().out)) == list(FIELDS)
    with pytest.raises(ValueError, match="unknown field"):
        main(["extract", text, "--model", str(adapter_dir), "--decode.copy_fields", "[venue]"])


def test_cli_jsonl_keeps_order_and_extra_keys(adapter_dir, tmp_path):
    rows = [{"id": i, "event_text": t} for i, t in enumerate(["x y z", "", "Lunch at noon"])]
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    main(["extract", "--input", str(src), "--output", str(dst), "--model", str(adapter_dir)])
    out = [json.loads(line) for line in dst.read_text().splitlines()]
    assert [r["id"] for r in out] == [0, 1, 2]
    assert all(
        r["event_text"] == s["event_text"] and list(r["output"]) == list(FIELDS)
        for r, s in zip(out, rows)
    )


def test_cli_evaluate_reports_each_wrong_field(adapter_dir, raw_file, tmp_path, capsys):
    report = tmp_path / "report.json"
    main(["evaluate", "--data", str(raw_file), "--model", str(adapter_dir), "--batch_size", "16",
          "--report", str(report)])  # fmt: skip
    assert "exact_match" in capsys.readouterr().out
    saved = json.loads(report.read_text())
    assert saved["rows"] == 36 and saved["metrics"]["json_validity"] == 1.0
    # A random tiny model gets rows wrong; each reported row names its fields and how.
    assert len(saved["errors"]) == round(36 * (1 - saved["metrics"]["exact_match"])) > 0
    for error in saved["errors"]:
        assert error["fields"] and set(error["fields"]) <= set(FIELDS)
        assert set(error["fields"].values()) <= {"missed", "invented", "wrong"}
        assert all(error["gold"][f] != error["pred"][f] for f in error["fields"])


def test_cli_bad_jsonl_names_line(tmp_path, monkeypatch):
    monkeypatch.setenv("CALENDAR_NER_DEBUG", "1")  # the exception itself, not the one-line exit
    src = tmp_path / "in.jsonl"
    src.write_text('{"event_text": "ok"}\n{"text": "wrong key"}\n')
    with pytest.raises(DataError, match=r"in\.jsonl:2: .*event_text"):
        main(["extract", "--input", str(src), "--output", str(tmp_path / "o.jsonl")])
