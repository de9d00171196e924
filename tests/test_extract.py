"""Python API, `extract` CLI and REST server on a tiny random Llama (no real model needed)."""

import json
import shutil

import pytest
import torch
from fastapi.testclient import TestClient

from calendar_ner import extract
from calendar_ner.__main__ import main
from calendar_ner.data.io import DataError
from calendar_ner.decode import COPY_FIELDS
from calendar_ner.extract import CalendarExtractor, load_for_inference, resolve_dtype
from calendar_ner.schema import FIELDS
from calendar_ner.serve import ServeConfig, create_app
from tests.conftest import TINY


@pytest.fixture(scope="module")
def extractor(adapter_dir):
    return CalendarExtractor.from_pretrained(adapter_dir)


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


def test_copy_fields_from_argument_then_model_then_default(adapter_dir, tmp_path):
    assert CalendarExtractor.from_pretrained(adapter_dir).decoder.copy_fields == set(COPY_FIELDS)
    assert not CalendarExtractor.from_pretrained(adapter_dir, copy_fields=[]).decoder.copy_fields
    meta = json.loads((adapter_dir / "calendar_ner.json").read_text())
    other = tmp_path / "adapter"
    shutil.copytree(adapter_dir, other)
    (other / "calendar_ner.json").write_text(json.dumps(meta | {"copy_fields": ["location"]}))
    extractor = CalendarExtractor.from_pretrained(other)
    assert extractor.decoder.copy_fields == {"location"}
    assert extractor.meta["copy_fields"] == ["location"]


@pytest.mark.parametrize("key", ["action_bounds", "exact_copy", "ground_durations"])
def test_decoder_switch_from_argument_then_model_then_default(
    adapter_dir, tmp_path, monkeypatch, key
):
    assert getattr(CalendarExtractor.from_pretrained(adapter_dir).decoder, key) is True
    off = CalendarExtractor.from_pretrained(adapter_dir, **{key: False})
    assert getattr(off.decoder, key) is False and off.meta[key] is False
    meta = json.loads((adapter_dir / "calendar_ner.json").read_text())
    other = tmp_path / "adapter"
    shutil.copytree(adapter_dir, other)
    (other / "calendar_ner.json").write_text(json.dumps(meta | {key: False}))
    assert getattr(CalendarExtractor.from_pretrained(other).decoder, key) is False
    built = []
    load = CalendarExtractor.from_pretrained.__func__
    monkeypatch.setattr(
        CalendarExtractor,
        "from_pretrained",
        classmethod(lambda cls, *a, **kw: built.append(load(cls, *a, **kw)) or built[-1]),
    )
    main(["extract", "Lunch at noon", "--model", str(adapter_dir), f"--{key}", "false"])
    assert getattr(built[0].decoder, key) is False


def test_action_bounds_need_the_action_copied(adapter_dir):
    assert not CalendarExtractor.from_pretrained(adapter_dir, copy_fields=[]).decoder.action_bounds


def test_adapter_without_weights_is_named(adapter_dir, tmp_path):
    other = tmp_path / "adapter"
    shutil.copytree(adapter_dir, other)
    (other / "adapter_model.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match=r"adapter_config\.json but no adapter weights"):
        load_for_inference(other)


def test_cli_copy_fields_flag(adapter_dir, capsys):
    text = "Dentist on 3rd, Feb 2025 at 9am"
    main(["extract", text, "--model", str(adapter_dir), "--copy_fields", "[attendees]"])
    assert list(json.loads(capsys.readouterr().out)) == list(FIELDS)
    with pytest.raises(ValueError, match="unknown field"):
        main(["extract", text, "--model", str(adapter_dir), "--copy_fields", "[venue]"])


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


def test_cli_bad_jsonl_names_line(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"event_text": "ok"}\n{"text": "wrong key"}\n')
    with pytest.raises(DataError, match=r"in\.jsonl:2: .*event_text"):
        main(["extract", "--input", str(src), "--output", str(tmp_path / "o.jsonl")])


@pytest.fixture(scope="module")
def client(extractor):
    config = ServeConfig(max_text_chars=500, max_texts=4, max_body_bytes=20_000)
    with TestClient(create_app(extractor, config)) as test_client:
        yield test_client


def test_server_health_and_docs(client):
    health = client.get("/health").json()
    assert health["fields"] == list(FIELDS)
    assert health["model"]["base_model"] == TINY and health["model"]["device"] == "cpu"
    assert health["model"]["copy_fields"] == list(COPY_FIELDS)
    assert health["model"]["action_bounds"] is True
    assert health["model"]["exact_copy"] is True
    assert health["model"]["ground_durations"] is True
    assert "/extract" in client.get("/openapi.json").json()["paths"]


def test_server_single_and_batch(client):
    event = client.post("/extract", json={"text": "Lunch at noon"}).json()["event"]
    assert list(event) == list(FIELDS)
    events = client.post("/extract", json={"texts": ["a", "b", "c"]}).json()["events"]
    assert len(events) == 3


@pytest.mark.parametrize(
    "body, status, message",
    [
        ({"text": "x" * 501}, 422, "at most 500"),
        ({"texts": ["a"] * 5}, 422, "at most 4"),
        ({"text": "a", "texts": ["b"]}, 422, "exactly one"),
        ({}, 422, "exactly one"),
        ({"texts": ["ok", "y" * 600]}, 422, "'texts'[1]"),
    ],
)
def test_server_limits(client, body, status, message):
    response = client.post("/extract", json=body)
    assert response.status_code == status
    assert message in response.text


def test_server_body_too_large(client):
    response = client.post(
        "/extract", content=b"x" * 30_000, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_server_chunked_body_too_large(client):
    chunks = (b"x" * 1000 for _ in range(30))  # no content-length: chunked upload
    response = client.post("/extract", content=chunks, headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_server_micro_batches_concurrent_requests(extractor):
    from concurrent.futures import ThreadPoolExecutor

    calls = []
    original = extractor.extract_batch

    def spy(texts, batch_size=8):
        calls.append(len(texts))
        return original(texts, batch_size)

    extractor.extract_batch = spy
    try:
        app = create_app(extractor, ServeConfig(batch_wait_ms=100))
        with TestClient(app) as http, ThreadPoolExecutor(6) as pool:
            responses = list(
                pool.map(lambda i: http.post("/extract", json={"text": f"call {i}"}), range(6))
            )
    finally:
        extractor.extract_batch = original
    assert all(r.status_code == 200 for r in responses)
    assert sum(calls) == 6 and max(calls) > 1
