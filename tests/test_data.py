import json

import pytest

from calendar_ner.data.io import DataError, read_rows
from calendar_ner.data.pipeline import CorpusConfig, build_corpus, load_splits
from calendar_ner.data.splits import SPLITS, dedup, max_cross_similarity, split_rows
from calendar_ner.data.tokens import (
    IGNORE_INDEX,
    EventDataset,
    encode_target,
    make_collate,
    training_target,
)
from calendar_ner.prompt import render_target
from calendar_ner.schema import FIELDS
from tests.conftest import invented_rows

GOOD = {
    "event_text": "Lunch with Sam on 3rd, Feb 2025 at 1pm",
    "output": {
        "action": "Lunch",
        "date": "03/02/2025",
        "time": "1:00 PM",
        "attendees": ["Sam"],
        "location": None,
        "duration": None,
        "recurrence": None,
        "notes": None,
    },
}


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"event_text": "x", "output": ', "malformed JSON"),
        (json.dumps({"event_text": "x", "output": "text"}), "must be a JSON object"),
        (json.dumps({"event_text": "x", "output": {**GOOD["output"], "room": "1"}}), "unknown key"),
        (json.dumps({"event_text": "x", "output": {"action": "x"}}), "missing key"),
        (json.dumps({"event_text": "x", "output": {**GOOD["output"], "date": 3}}), "'date' must"),
        (json.dumps({"event_text": "  ", "output": GOOD["output"]}), "'event_text' is empty"),
        (json.dumps({"output": GOOD["output"]}), "'event_text' must be a string"),
    ],
)
def test_bad_rows_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(GOOD) + "\n\n" + line + "\n")
    with pytest.raises(DataError, match=rf"bad\.jsonl:3:(\d+:)? .*{message}"):
        read_rows(path)
    rows, skipped = read_rows(path, skip_invalid=True)
    assert len(rows) == 1 and rows[0]["line"] == 1
    assert skipped[0]["line"] == 3 and message.replace("'", "") in skipped[0]["reason"].replace(
        "'", ""
    )


def test_missing_file_is_clear(tmp_path):
    with pytest.raises(DataError, match="data file not found"):
        read_rows(tmp_path / "nope.jsonl")


def test_split_is_deterministic_and_order_independent():
    rows = invented_rows()
    a = split_rows(rows, (0.75, 0.15, 0.10), seed=1)
    b = split_rows(list(reversed(rows)), (0.75, 0.15, 0.10), seed=1)
    assert a == b
    assert [len(a[s]) for s in SPLITS] == [27, 5, 4]
    assert split_rows(rows, (0.75, 0.15, 0.10), seed=2) != a
    with pytest.raises(ValueError, match="summing to 1"):
        split_rows(rows, (0.5, 0.5, 0.5), seed=1)


def test_dedup_drops_near_duplicates_with_reason():
    rows = [
        {"event_text": "Lunch with Sam on Friday at noon", "line": 1},
        {"event_text": "Lunch with Sam on Friday at noon!", "line": 2},
        {"event_text": "Dentist on Monday", "line": 3},
    ]
    kept, dropped = dedup(rows, threshold=95)
    assert [r["line"] for r in kept] == [1, 3]
    assert "near-duplicate" in dropped[0]["reason"] and "line 1" in dropped[0]["reason"]


@pytest.fixture
def corpus(raw_file, tmp_path):
    cfg = CorpusConfig(raw=str(raw_file), data_dir=str(tmp_path / "data"), synth=40, seed=7)
    return cfg, build_corpus(cfg)


def test_corpus_files_card_and_leakage(corpus):
    cfg, card = corpus
    splits = load_splits(cfg)
    assert (cfg.processed_dir / "augmented.jsonl").is_file()
    assert (cfg.processed_dir / "data_card.md").read_text().startswith("### Data card")
    assert card["counts"] == {s: len(splits[s]) for s in SPLITS}
    # eval/test hold real rows only; augmentation only in train
    assert all(r["source"] == "real" for s in ("eval", "test") for r in splits[s])
    assert {r["source"] for r in splits["train"]} > {"real"}
    assert max_cross_similarity(splits["train"], splits["eval"] + splits["test"]) < 95
    assert card["train_rare_field_fraction"] >= 0.15
    assert all(list(r["output"]) == list(FIELDS) for s in SPLITS for r in splits[s])


def test_corpus_is_byte_identical_and_cached(corpus, tmp_path):
    cfg, _ = corpus
    first = {s: (cfg.splits_dir / f"{s}.jsonl").read_bytes() for s in SPLITS}
    mtime = (cfg.splits_dir / "train.jsonl").stat().st_mtime_ns
    build_corpus(cfg)  # cached: not rewritten
    assert (cfg.splits_dir / "train.jsonl").stat().st_mtime_ns == mtime
    other = CorpusConfig(**{**vars(cfg), "data_dir": str(tmp_path / "again")})
    build_corpus(other)
    assert first == {s: (other.splits_dir / f"{s}.jsonl").read_bytes() for s in SPLITS}


def test_synthetic_only_corpus_is_labelled(tmp_path):
    card = build_corpus(CorpusConfig(raw=None, data_dir=str(tmp_path), synth=60, seed=3))
    assert card["synthetic_only"] and card["held_out_source"] == "synthetic"
    assert "synthetic" in (tmp_path / "processed" / "data_card.md").read_text()


def test_label_masking_decodes_to_target_plus_eos(tokenizer):
    rows = invented_rows(4)
    dataset = EventDataset(rows, tokenizer, max_length=256)
    for row, item in zip(rows, dataset):
        kept = [t for t in item["labels"] if t != IGNORE_INDEX]
        assert kept[-1] == tokenizer.eos_token_id
        target = training_target(" ".join(row["event_text"].split()), row["output"])
        assert tokenizer.decode(kept[:-1]) == render_target(target)
        assert item["labels"][: item["prompt_len"]] == [IGNORE_INDEX] * item["prompt_len"]
        assert tokenizer.decode(item["input_ids"][: item["prompt_len"]]).endswith("\nJSON:\n")


def test_long_text_is_cut_never_the_target(tokenizer):
    row = {**invented_rows(1)[0], "event_text": "word " * 500}
    item = EventDataset([row], tokenizer, max_length=128)[0]
    target, _ = encode_target(tokenizer, row["output"])
    assert len(item["input_ids"]) <= 128
    assert item["input_ids"][-len(target) :] == target


def test_collate_pads_dynamically(tokenizer):
    dataset = EventDataset(invented_rows(3), tokenizer)
    batch = make_collate(tokenizer.pad_token_id)([dataset[0], dataset[1], dataset[2]])
    longest = max(len(dataset[i]["input_ids"]) for i in range(3))
    assert batch["input_ids"].shape == (3, longest)
    for i in range(3):
        n = len(dataset[i]["input_ids"])
        assert batch["attention_mask"][i].sum() == n
        assert (batch["labels"][i, n:] == IGNORE_INDEX).all()
        assert batch["value_mask"][i].sum() > 0
    assert batch["output"][0] == dataset[0]["output"]


def test_training_target_copies_date_and_time_as_written():
    event = {**GOOD["output"], "date": "12/12/2023", "time": "3:00 PM"}
    text = "Review on Tuesday, 12 - Dec - 2023 at 15:00 with Sam"
    target = training_target(text, event)
    assert (target["date"], target["time"]) == ("12 - Dec - 2023", "15:00")
    assert training_target("Review someday", event) == event  # no span: canonical kept


def test_train_on_eval_keeps_test_held_out(raw_file, tmp_path):
    cfg = CorpusConfig(
        raw=str(raw_file), data_dir=str(tmp_path), synth=20, seed=7, train_on_eval=True
    )
    build_corpus(cfg)
    splits = load_splits(cfg)
    train_texts = {r["event_text"] for r in splits["train"]}
    assert all(r["event_text"] in train_texts for r in splits["eval"])
    assert not any(r["event_text"] in train_texts for r in splits["test"])
    assert max_cross_similarity(splits["train"], splits["test"]) < 95
    assert "eval (in train)" in (tmp_path / "processed" / "data_card.md").read_text()


def test_train_on_test_trains_on_every_real_row(raw_file, tmp_path):
    cfg = CorpusConfig(
        raw=str(raw_file),
        data_dir=str(tmp_path),
        synth=20,
        seed=7,
        train_on_eval=True,
        train_on_test=True,
    )
    card = build_corpus(cfg)
    splits = load_splits(cfg)
    train_texts = {r["event_text"] for r in splits["train"]}
    real = [r for r in splits["train"] if r["source"] == "real"]
    assert splits["test"] and all(r["event_text"] in train_texts for r in splits["test"])
    assert len(real) == card["raw_rows_read"] - sum(len(v) for v in card["dropped"].values())
    assert any(r.get("parent") is not None for r in splits["train"] if r["source"] != "real")
    assert not card["dropped"]["leak"]  # nothing is held out, so nothing can leak
    assert "test (in train)" in (tmp_path / "processed" / "data_card.md").read_text()


@pytest.mark.parametrize("extra", [{}, {"folds": 3}])
def test_train_on_test_is_a_final_fit_only(raw_file, tmp_path, extra):
    train_on_eval = bool(extra)  # without it, or with folds
    with pytest.raises(ValueError, match="train_on_test needs train_on_eval and no folds"):
        CorpusConfig(raw=str(raw_file), train_on_eval=train_on_eval, train_on_test=True, **extra)
