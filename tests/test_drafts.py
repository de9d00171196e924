"""Rule-based drafts: what they guess, and that they only ever change speed, never the output."""

from types import SimpleNamespace

import pytest
import torch
from transformers import DynamicCache

from calendar_ner import spans
from calendar_ner.decode import ConstrainedDecoder
from calendar_ner.decode.drafts import guess_event
from calendar_ner.models.weights import load_model
from calendar_ner.prompt import encode_prompt, encode_target, render_target
from calendar_ner.schema import empty_event
from tests.conftest import TINY, invented_rows


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Lunch with Omar and Lena at the roof terrace on 3rd, Feb 2025 at 1pm for 1hr",
            {
                "action": "Lunch",
                "date": "3rd, Feb 2025",
                "time": "1pm",
                "attendees": ["Omar", "Lena"],
                "location": "roof terrace",
                "duration": "1hr",
            },
        ),
        (
            "2024-07-19 9:30 am Standup w/ Kofi & Yuki Webex 45m, every Monday",
            {
                "action": "Standup",
                "date": "2024-07-19",
                "time": "9:30 am",
                "attendees": ["Kofi", "Yuki"],
                "location": "Webex",
                "duration": "45m",
                "recurrence": "every Monday",
            },
        ),
        (
            "Budget sync Ines 11 - Sep - 2026 13:15 Room 4B an hour",
            {
                "action": "Budget sync",
                "date": "11 - Sep - 2026",
                "time": "13:15",
                "attendees": ["Ines"],
                "location": "Room 4B",
                "duration": "1 hour",
            },
        ),
        ("", {}),
    ],
)
def test_guesses(text, expected):
    event, stops = guess_event(text)
    assert event == {**empty_event(), **expected}
    assert stops == sorted(stops) and all(0 <= s < len(text) for s in stops)


class OracleLM(torch.nn.Module):
    """Predicts, at every position, the next token of one fixed token sequence (like a model
    that has learnt one answer perfectly), and counts its forwards."""

    def __init__(self, sequence: list[int], vocab_size: int) -> None:
        super().__init__()
        self.sequence, self.vocab_size, self.forwards = sequence, vocab_size, 0
        self.anchor = torch.nn.Parameter(torch.zeros(1))  # gives the decoder a device

    def forward(
        self, input_ids, attention_mask, position_ids, past_key_values, use_cache, logits_to_keep
    ):
        self.forwards += 1
        positions = position_ids[:, -logits_to_keep:] + 1
        next_ids = torch.tensor(self.sequence)[positions.clamp(max=len(self.sequence) - 1)]
        logits = torch.zeros(*positions.shape, self.vocab_size)
        return SimpleNamespace(logits=logits.scatter_(-1, next_ids.unsqueeze(-1), 1.0))


def _oracle(tokenizer, text: str, event: dict) -> OracleLM:
    prompt, _ = encode_prompt(tokenizer, text, 192)
    target, _ = encode_target(tokenizer, event)
    return OracleLM(prompt + target + [tokenizer.eos_token_id], len(tokenizer))


def test_a_right_draft_decodes_the_whole_event_in_one_forward(tokenizer):
    text = "Lunch with Omar and Lena at the roof terrace on 3rd, Feb 2025 at 1pm for 1hr"
    event, _ = guess_event(text)
    model = _oracle(tokenizer, text, event)
    assert ConstrainedDecoder(model, tokenizer).decode_batch([text]) == [render_target(event)]
    assert model.forwards == 1


def test_wrong_drafts_cost_forwards_not_correctness(tokenizer):
    text = "Lunch with Omar and Lena at the roof terrace on 3rd, Feb 2025 at 1pm for 1hr"
    event = {
        **guess_event(text)[0],
        "action": "Lunch with Omar and Lena",  # runs past the guessed end
        "attendees": ["Lena"],  # drops a guessed name
        "location": "the roof terrace on",  # copied past a boundary (not into the date)
        "notes": "1hr",  # guessed null
    }
    forwards = []
    for draft_tokens in (0, 4, 96):
        model = _oracle(tokenizer, text, event)
        decoder = ConstrainedDecoder(model, tokenizer, draft_tokens=draft_tokens)
        assert decoder.decode_batch([text]) == [render_target(event)]
        forwards.append(model.forwards)
    assert forwards[0] > forwards[1] > forwards[2]


def test_drafts_never_change_the_greedy_output(tokenizer):
    # An untrained model disagrees with most drafts: every rejection path is exercised, in
    # batches too (rows with rejected draft columns masked out of the shared cache).
    model = load_model(TINY).eval()
    texts = [row["event_text"] for row in invented_rows(6)]
    plain = ConstrainedDecoder(model, tokenizer, draft_tokens=0, max_value_tokens=8)
    drafted = ConstrainedDecoder(model, tokenizer, max_value_tokens=8)
    expected = [plain.decode_batch([t])[0] for t in texts]
    assert [drafted.decode_batch([t])[0] for t in texts] == expected
    assert drafted.decode_batch(texts) == expected


def test_compacting_the_cache_keeps_each_rows_unmasked_columns_in_order():
    cache = DynamicCache()
    keys = torch.arange(2 * 5, dtype=torch.float).view(2, 1, 5, 1)  # batch 2, 1 head, 5 columns
    cache.update(keys, -keys, layer_idx=0)
    mask = torch.tensor([[1, 0, 1, 0, 1], [0, 1, 1, 0, 0]])
    new_mask = ConstrainedDecoder._compact(cache, mask)
    assert new_mask.tolist() == [[1, 1, 1], [0, 1, 1]]
    layer = cache.layers[0]
    assert layer.keys[0, 0, :, 0].tolist() == [0, 2, 4]
    assert layer.keys[1, 0, 1:, 0].tolist() == [6, 7]
    assert torch.equal(layer.values, -layer.keys)


@pytest.mark.parametrize(
    "budget, accepted, rejected, expected",
    [(96, 40, 0, 96), (24, 24, 0, 48), (96, 0, 60, 48), (12, 1, 11, 8), (20, 0, 0, 20)],
)
def test_draft_budget_doubles_on_success_and_halves_on_a_miss(
    tokenizer, budget, accepted, rejected, expected
):
    decoder = ConstrainedDecoder(load_model(TINY), tokenizer)
    assert decoder._next_budget(budget, accepted, rejected) == expected


def test_date_guess_gives_up_after_max_parses(monkeypatch):
    calls = []
    real = spans.normalize_date
    monkeypatch.setattr(spans, "normalize_date", lambda s: calls.append(s) or real(s))
    assert spans.date_span("Jan 2024 " * 500, max_parses=7) is None
    assert len(calls) == 7
    assert spans.date_span("x " * 50 + "on 3rd, Feb 2025") == (103, 116)
