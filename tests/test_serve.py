"""REST server on a tiny random Llama: limits, edge validation, failure isolation, fair
micro-batching and cancellation (the batcher is also driven directly, with a fake extractor)."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from calendar_ner.decode import DecodeConfig
from calendar_ner.extract import CalendarExtractor
from calendar_ner.schema import FIELDS, empty_event
from calendar_ner.serve import ServeConfig, TextFailed, _Batcher, create_app
from tests.conftest import TINY


@pytest.fixture(scope="module")
def extractor(adapter_dir):
    # float32: texts share decoding batches (bfloat16 decodes each alone, see extract.py).
    return CalendarExtractor.from_pretrained(adapter_dir, dtype="float32")


@pytest.fixture(scope="module")
def client(extractor):
    config = ServeConfig(max_text_chars=500, max_texts=4, max_body_bytes=20_000)
    with TestClient(create_app(extractor, config)) as test_client:
        yield test_client


def _post_together(extractor, bodies: list, **config) -> list:
    """POST each body (a dict, or raw bytes) at once, so they share micro-batches."""
    app = create_app(extractor, ServeConfig(batch_wait_ms=200, **config))

    def post(body):
        if isinstance(body, bytes):
            headers = {"content-type": "application/json"}
            return http.post("/extract", content=body, headers=headers)
        return http.post("/extract", json=body)

    with TestClient(app) as http, ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(post, bodies))


def test_server_health_and_docs(client):
    health = client.get("/health").json()
    assert health["fields"] == list(FIELDS)
    assert health["model"]["base_model"] == TINY and health["model"]["device"] == "cpu"
    assert health["model"]["decode"] == DecodeConfig().to_dict()
    assert "/extract" in client.get("/openapi.json").json()["paths"]


def test_server_binds_loopback_and_says_where(extractor, capfd):
    assert ServeConfig().host == "127.0.0.1"
    with TestClient(create_app(extractor)):
        pass
    assert "serving on http://127.0.0.1:8000 (this machine only)" in capfd.readouterr().err


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
        (b'{"text": "\\ud800"}', 422, "'text' holds a lone surrogate U+D800 at character 0"),
        (b'{"texts": ["ok", "a \\udfff"]}', 422, "'texts'[1] holds a lone surrogate U+DFFF"),
        (b'{"text": "\xff"}', 400, "error parsing the body"),  # not UTF-8
        (b'{"text": ', 422, "JSON decode error"),
    ],
)
def test_server_limits(client, body, status, message):
    if isinstance(body, bytes):
        headers = {"content-type": "application/json"}
        response = client.post("/extract", content=body, headers=headers)
    else:
        response = client.post("/extract", json=body)
    assert response.status_code == status
    assert message in response.text


def test_server_control_characters_become_spaces(client):
    clean = client.post("/extract", json={"text": "Lunch at noon"}).json()
    assert client.post("/extract", json={"text": "Lunch\x00at\x1bnoon"}).json() == clean


def test_server_body_too_large(client):
    response = client.post(
        "/extract", content=b"x" * 30_000, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_server_chunked_body_too_large(client):
    chunks = (b"x" * 1000 for _ in range(30))  # no content-length: chunked upload
    response = client.post("/extract", content=chunks, headers={"content-type": "application/json"})
    assert response.status_code == 413


def _spy_batches(extractor, monkeypatch) -> list[int]:
    """The size of each micro-batch the extractor decodes from here on."""
    calls = []
    original = extractor.extract_steps

    def spy(texts, when=None):
        calls.append(len(texts))
        return original(texts, when)

    monkeypatch.setattr(extractor, "extract_steps", spy)
    return calls


def test_details_and_plain_requests_share_micro_batches(extractor, monkeypatch):
    calls = _spy_batches(extractor, monkeypatch)
    when = {"reference": "2026-11-25T09:00", "timezone": "Europe/Berlin"}
    bodies = [{"text": "Lunch with Sam tomorrow at 1pm", "details": True, **when}] + [
        {"text": f"call {i}"} for i in range(3)
    ]
    responses = _post_together(extractor, bodies)
    assert all(r.status_code == 200 for r in responses)
    assert list(responses[0].json()["event"]) == ["output", "resolved", "spans", "confidence"]
    assert all(list(r.json()["event"]) == list(FIELDS) for r in responses[1:])
    assert sum(calls) == 4 and max(calls) > 1


def test_server_micro_batches_concurrent_requests(extractor, monkeypatch):
    calls = _spy_batches(extractor, monkeypatch)
    responses = _post_together(extractor, [{"text": f"call {i}"} for i in range(6)])
    assert all(r.status_code == 200 for r in responses)
    assert sum(calls) == 6 and max(calls) > 1


def test_poison_body_gets_422_and_its_batch_neighbours_are_answered(extractor):
    bodies = [{"text": f"Lunch with Sam #{i}"} for i in range(4)] + [b'{"text": "\\ud800"}']
    responses = _post_together(extractor, bodies)
    assert [r.status_code for r in responses] == [200] * 4 + [422]
    assert all(list(r.json()["event"]) == list(FIELDS) for r in responses[:4])


def test_decode_failure_fails_only_its_request(extractor, monkeypatch):
    calls = []
    original = extractor.decoder.decode_steps

    def decode_steps(texts):
        calls.append(len(texts))
        if any("POISON" in t for t in texts):
            raise RuntimeError("injected failure")
        return (yield from original(texts))

    monkeypatch.setattr(extractor.decoder, "decode_steps", decode_steps)
    bodies = [{"text": f"Lunch #{i}"} for i in range(3)] + [{"texts": ["fine", "POISON"]}]
    responses = _post_together(extractor, bodies)
    assert max(calls) > 1  # the poison text did share a batch before being isolated
    assert [r.status_code for r in responses] == [200, 200, 200, 500]
    assert "decoding 'texts'[1] failed (RuntimeError: injected failure)" in responses[3].text


# --- the batcher alone, with a fake extractor ------------------------------------------------


class _FakeExtractor:
    """Answers each text with it as the action after ``steps`` forwards of ``delay`` s each;
    records each micro-batch when it starts, and each forward as ``(its texts, step)``."""

    def __init__(self, tokenizer, delay: float = 0.0, steps: int = 1) -> None:
        self.decoder = SimpleNamespace(tokenizer=tokenizer, max_prompt_tokens=192)
        self.max_batch_size = None
        self.delay = delay
        self.steps = steps
        self.calls: list[list[str]] = []
        self.forwards: list[tuple[str, int]] = []

    def extract_steps(self, texts, when=None):
        self.calls.append(list(texts))
        for step in range(self.steps):
            time.sleep(self.delay)
            self.forwards.append((" ".join(texts), step))
            yield
        if "POISON" in texts:
            raise RuntimeError("injected failure")
        return [empty_event() | {"action": t} for t in texts]


def _run_batcher(fake, scenario, max_batch=4, max_batch_tokens=1024, max_active=4):
    """Run ``scenario(batcher)`` (a coroutine function) with the batcher's loop going."""

    async def main():
        batcher = _Batcher(fake, max_batch, max_batch_tokens, wait_s=0.0, max_active=max_active)
        task = asyncio.create_task(batcher.run())
        try:
            return await scenario(batcher)
        finally:
            task.cancel()

    return asyncio.run(main())


async def _started(fake, calls: int = 1) -> None:
    while len(fake.calls) < calls:
        await asyncio.sleep(0.001)


@pytest.mark.parametrize("max_batch", [1, 4])
def test_small_request_is_not_starved_by_a_large_one(tokenizer, max_batch):
    fake = _FakeExtractor(tokenizer, delay=0.01)
    large = [f"large {i}" for i in range(64)]

    async def scenario(batcher):
        big = asyncio.create_task(batcher.submit(large))
        await _started(fake)  # the large request's first micro-batch is being decoded
        small = await batcher.submit(["small"])
        assert not big.done()
        return small, await big

    small, big = _run_batcher(fake, scenario, max_batch=max_batch)
    assert small[0]["action"] == "small" and [e["action"] for e in big] == large
    # Answered in the very next micro-batch, beside the large request's texts, not after them.
    assert fake.calls[0] == large[:max_batch] and fake.calls[1][0] == "small"
    assert len(fake.calls) == -(-65 // max_batch)


def test_micro_batch_token_budget(tokenizer):
    fake = _FakeExtractor(tokenizer)
    long = ["word " * 400 + str(i) for i in range(4)]  # each costs the full 192-token budget

    async def scenario(batcher):
        return await batcher.submit(long)

    _run_batcher(fake, scenario, max_batch=16, max_batch_tokens=400)
    assert [len(c) for c in fake.calls] == [2, 2]


def test_cancelled_request_drops_its_pending_texts(tokenizer):
    fake = _FakeExtractor(tokenizer, delay=0.01)

    async def scenario(batcher):
        big = asyncio.create_task(batcher.submit([f"large {i}" for i in range(64)]))
        await _started(fake)
        big.cancel()  # what the endpoint does when its client disconnects
        answer = await batcher.submit(["after"])
        return answer, batcher.requests

    answer, waiting = _run_batcher(fake, scenario)
    decoded = sum(len(c) for c in fake.calls)
    assert answer[0]["action"] == "after" and not waiting
    assert decoded <= 4 + 4 + 1  # the batch in flight, at most one more, then "after"


def test_small_request_starts_between_the_forwards_of_a_large_one(tokenizer):
    fake = _FakeExtractor(tokenizer, delay=0.005, steps=20)  # a micro-batch of 20 forwards

    async def scenario(batcher):
        big = asyncio.create_task(batcher.submit(["large 0", "large 1"]))
        await _started(fake)
        while not fake.forwards:  # the large micro-batch's first forward is done
            await asyncio.sleep(0.001)
        at = len(fake.forwards)
        small = await batcher.submit(["small"])
        return at, small, await big

    at, small, big = _run_batcher(fake, scenario, max_batch=1)
    assert small[0]["action"] == "small" and [e["action"] for e in big] == ["large 0", "large 1"]
    order = [texts for texts, _ in fake.forwards]
    # It starts at most one forward after it arrives, then the two take turns.
    assert order.index("small") <= at + 1 and order.index("small") < order.index("large 1")

    def last(texts: str) -> int:
        return len(order) - 1 - order[::-1].index(texts)

    # One micro-batch per request at a time; the two take turns, forward by forward.
    assert order.count("large 0") == 20 and order.index("large 1") > last("large 0")
    assert last("small") - order.index("small") <= 2 * 19 + 1


def test_at_most_max_active_micro_batches_take_turns(tokenizer):
    fake = _FakeExtractor(tokenizer, steps=3)

    async def scenario(batcher):
        return await asyncio.gather(*(batcher.submit([f"r{i}"]) for i in range(3)))

    _run_batcher(fake, scenario, max_batch=1, max_active=2)
    order = [texts for texts, _ in fake.forwards]
    assert order[:6] == ["r0", "r1"] * 3 and order[6:] == ["r2"] * 3


def test_abandoned_micro_batch_stops_between_forwards(tokenizer):
    fake = _FakeExtractor(tokenizer, delay=0.005, steps=50)

    async def scenario(batcher):
        big = asyncio.create_task(batcher.submit(["large"]))
        while len(fake.forwards) < 3:
            await asyncio.sleep(0.001)
        big.cancel()
        return await batcher.submit(["after"])

    answer = _run_batcher(fake, scenario, max_batch=1)
    assert answer[0]["action"] == "after"
    assert [texts for texts, _ in fake.forwards].count("large") < 10  # not all 50


def test_failing_text_fails_only_its_request(tokenizer):
    fake = _FakeExtractor(tokenizer)

    async def scenario(batcher):
        return await asyncio.gather(
            batcher.submit(["a", "b"]),
            batcher.submit(["c", "POISON", "d"]),
            batcher.submit(["e"]),
            return_exceptions=True,
        )

    first, failed, last = _run_batcher(fake, scenario, max_batch=8)
    assert [e["action"] for e in first] == ["a", "b"] and last[0]["action"] == "e"
    assert isinstance(failed, TextFailed) and failed.index == 1
    assert len(fake.calls[0]) == 6 and all(len(c) == 1 for c in fake.calls[1:])  # retried alone
