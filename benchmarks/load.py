"""Load test of the REST server over loopback: hostile and valid clients at once.

    python benchmarks/load.py                                   # tiny random model, fast
    python benchmarks/load.py --model checkpoints/release/adapter --requests 400

Starts ``calendar_ner`` serving in a subprocess on 127.0.0.1 (a free port), then:

1. sends each distinct valid body alone, one at a time: the reference answers;
2. ``--clients`` concurrent clients send ``--requests`` requests (at most ``--time_limit`` s),
   ``--rounds`` times over (memory is read after each round: it must level off):
   valid texts, texts with control characters, several texts at once, oversized bodies, too many
   or too long texts, malformed JSON and lone surrogates. Asserted: no 5xx, each status as the
   limits say, and every valid request answered with schema-valid JSON identical to its
   reference (batch neighbours change nothing);
3. head-of-line blocking: a small request's latency alone, then while a maximal request
   (``--big_texts`` texts of ``--big_chars`` characters) is decoded;
4. a client that gives up on a maximal request (timeout): its texts must be dropped, so the
   next small request waits at most about one micro-batch and the server then idles (its CPU
   time over the next 2 s is reported).

Reports p50/p95 latency, the server's resident memory (``VmRSS``; Linux) before, during (peak)
and after, and writes JSON with the commit, date, versions, machine and command line to
``--output``. Texts are invented from a few templates (no data file is read).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

try:  # run as a script (benchmarks/ on sys.path) or imported as benchmarks.load
    from stamp import stamp
except ImportError:
    from benchmarks.stamp import stamp

from calendar_ner.schema import FIELDS
from calendar_ner.serve import ExtractResponse, ServeConfig, clean_text

ROOT = Path(__file__).resolve().parents[1]
_ACTIONS = ["Design review", "Lunch", "Budget sync", "Dentist visit", "1:1", "Book club", "Demo"]
_WHEN = ["on 3rd, Feb 2025 at 4pm", "tomorrow 9:30 am", "2024-07-19 at 13:15", "next Friday"]
_WITH = ["", " with Priya", " with Omar and Lena", " with Kofi, Yuki and Mateo"]
_WHERE = ["", " on Zoom", " at Room 4B", " at the roof terrace"]
_FOR = ["", " for 30 mins", " for 2 hours", ", every week"]


def invented_texts(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct invented calendar requests."""
    rng = random.Random(seed)
    texts: list[str] = []
    while len(texts) < n:
        text = (
            rng.choice(_ACTIONS)
            + " "
            + "".join(rng.choice(p) for p in (_WHEN, _WITH, _WHERE, _FOR))
        )
        if text not in texts:
            texts.append(text)
    return texts


def workload(n: int, distinct: int, limits: ServeConfig, seed: int = 0) -> list[dict]:
    """``n`` requests: ``{"kind", "body" (bytes), "status"}`` (the status the limits call for)."""
    rng = random.Random(seed)
    texts = invented_texts(distinct, seed)

    def body(obj) -> bytes:
        return json.dumps(obj).encode()

    over_chars = "Lunch " * (limits.max_text_chars // 6 + 1)
    kinds = [
        ("valid", 50, lambda: body({"text": rng.choice(texts)}), 200),
        ("several", 8, lambda: body({"texts": rng.sample(texts, 3)}), 200),
        ("control", 6, lambda: body({"text": rng.choice(texts) + "\x00\x07 now\x1b"}), 200),
        ("surrogate", 8, lambda: body({"text": rng.choice(texts) + " \ud800"}), 422),
        ("too_long", 5, lambda: body({"text": over_chars}), 422),
        ("too_many", 5, lambda: body({"texts": ["Lunch"] * (limits.max_texts + 1)}), 422),
        ("too_large", 4, lambda: b'{"text": "' + b"x" * limits.max_body_bytes + b'"}', 413),
        ("not_json", 4, lambda: b'{"text": "Lunch', 422),
        ("wrong_key", 4, lambda: body({"txt": "Lunch"}), 422),
        ("not_text", 3, lambda: body({"text": 5}), 422),
        ("not_utf8", 3, lambda: b'{"text": "Lunch \xff"}', 400),
    ]
    weights = [w for _, w, _, _ in kinds]
    out = []
    for _ in range(n):
        kind, _, make, status = rng.choices(kinds, weights)[0]
        out.append({"kind": kind, "body": make(), "status": status})
    return out


# --- the server process ----------------------------------------------------------------------


def serve(model: str, dtype: str, port: int) -> None:
    """Run the server (the subprocess side): the tiny random model for ``model == "tiny"``."""
    import uvicorn

    from calendar_ner.extract import DTYPES, CalendarExtractor, resolve_dtype
    from calendar_ner.models.weights import DEFAULT_BUNDLED, load_model, load_tokenizer
    from calendar_ner.serve import create_app

    if model == "tiny":
        dtype = resolve_dtype(dtype, "cpu")
        spec = "tiny:" + DEFAULT_BUNDLED
        meta = {"base_model": spec, "inference": {"dtype": dtype, "device": "cpu"}}
        net = load_model(spec).to(DTYPES[dtype]).eval()
        extractor = CalendarExtractor(net, load_tokenizer(DEFAULT_BUNDLED), meta)
    else:
        extractor = CalendarExtractor.from_pretrained(model, dtype=dtype, device="cpu")
    config = ServeConfig(port=port)
    uvicorn.run(create_app(extractor, config), host=config.host, port=port, log_level="warning")


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MiB (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) process ``pid`` has used (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RssSampler(threading.Thread):
    """Samples a process's resident memory every ``every`` s; ``peak`` is the largest seen."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak, self.stop = pid, every, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            self.stop.wait(self.every)


# --- the clients -----------------------------------------------------------------------------


def _check_answer(response: httpx.Response, reference: dict | None) -> str | None:
    """Why a 200 answer is wrong (schema or differs from the reference), or None."""
    data = response.json()
    ExtractResponse.model_validate(data)
    events = [data["event"]] if "event" in data else data["events"]
    if any(list(event) != list(FIELDS) for event in events):
        return "keys not the 8 schema fields in order"
    if reference is not None and data != reference:
        return "differs from the answer to the same body sent alone"
    return None


async def _post(http: httpx.AsyncClient, body: bytes, **kwargs) -> tuple[httpx.Response, float]:
    start = time.perf_counter()
    headers = {"content-type": "application/json"}
    response = await http.post("/extract", content=body, headers=headers, **kwargs)
    return response, time.perf_counter() - start


async def run_load(base: str, requests: list[dict], clients: int, time_limit: float) -> dict:
    """References, then the concurrent mix; raises AssertionError on any 5xx or wrong answer."""
    timeout = httpx.Timeout(600.0)
    async with httpx.AsyncClient(base_url=base, timeout=timeout) as http:
        references: dict[bytes, dict] = {}
        for request in requests:
            if request["status"] == 200 and request["body"] not in references:
                response, _ = await _post(http, request["body"])
                assert response.status_code == 200, response.text
                references[request["body"]] = response.json()
        queue: asyncio.Queue = asyncio.Queue()
        for request in requests:
            queue.put_nowait(request)
        latencies: list[float] = []
        failures: list[str] = []
        statuses: dict[str, int] = {}
        deadline = time.perf_counter() + time_limit

        async def client() -> None:
            while not queue.empty() and time.perf_counter() < deadline:
                request = queue.get_nowait()
                response, seconds = await _post(http, request["body"])
                key = f"{request['kind']}:{response.status_code}"
                statuses[key] = statuses.get(key, 0) + 1
                if response.status_code != request["status"]:
                    failures.append(f"{request['kind']}: {response.status_code} {response.text}")
                elif response.status_code == 200:
                    latencies.append(seconds)
                    wrong = _check_answer(response, references.get(request["body"]))
                    if wrong:
                        failures.append(f"{request['kind']}: {wrong}")

        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - start
    sent = sum(statuses.values())
    return {
        "requests_sent": sent,
        "distinct_valid_bodies": len(references),
        "seconds": elapsed,
        "server_errors_5xx": sum(n for k, n in statuses.items() if k.split(":")[1].startswith("5")),
        "status_by_kind": dict(sorted(statuses.items())),
        "failures": failures[:10],
        "valid_latency_s_p50": statistics.median(latencies),
        "valid_latency_s_p95": _pct(latencies, 0.95),
    }


def _pct(values: list[float], q: float) -> float:
    return sorted(values)[min(int(q * len(values)), len(values) - 1)]


async def head_of_line(base: str, pid: int, small: bytes, big: bytes, samples: int) -> dict:
    """A small request's latency alone, then while a maximal request is being decoded; then
    the latency of a small request right after a client gave up on a maximal one, and the CPU
    time the server (``pid``) spends in the 2 s after it (~0 once the abandoned texts are
    dropped)."""
    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(1800.0)) as http:
        alone = [(await _post(http, small))[1] for _ in range(samples)]
        big_task = asyncio.create_task(_post(http, big))
        await asyncio.sleep(0.5)  # the big request is being decoded
        during = []
        for _ in range(samples):
            response, seconds = await _post(http, small)
            assert response.status_code == 200, response.text
            during.append(seconds)
            if big_task.done():
                break
        small_done = time.perf_counter()
        big_response, big_seconds = await big_task
        assert big_response.status_code == 200, big_response.text
        big_left = time.perf_counter() - small_done
        # A client that gives up: its texts must not hold up the next request.
        try:
            await _post(http, big, timeout=2.0)
        except httpx.TimeoutException:
            pass
        _, after_cancel = await _post(http, small)
        cpu = cpu_seconds(pid)
        await asyncio.sleep(2.0)
        cpu_after_cancel = cpu_seconds(pid) - cpu
    return {
        "small_alone_s_p50": statistics.median(alone),
        "small_alone_s_p95": _pct(alone, 0.95),
        "small_during_big_s_p50": statistics.median(during),
        "small_during_big_s_p95": _pct(during, 0.95),
        "small_during_big_samples": len(during),
        "p95_ratio_during_vs_alone": _pct(during, 0.95) / _pct(alone, 0.95),
        "big_request_s": big_seconds,
        "big_request_still_running_after_small_ones_s": big_left,
        "small_after_cancelled_big_s": after_cancel,
        "server_cpu_s_in_2s_after_cancelled_big": cpu_after_cancel,
    }


def _wait_ready(base: str, server: subprocess.Popen, limit: float = 600.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            if httpx.get(base + "/health", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the server did not answer /health within {limit:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny", help="tiny (random 2-layer) or a model folder.")
    parser.add_argument("--dtype", default="auto", choices=("auto", "float32", "bfloat16"))
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="Times the requests are sent.")
    parser.add_argument("--distinct", type=int, default=16, help="Distinct valid texts.")
    parser.add_argument("--time_limit", type=float, default=600.0, help="Stop sending after.")
    parser.add_argument("--big_texts", type=int, default=64, help="Texts of the maximal request.")
    parser.add_argument("--big_chars", type=int, default=10_000, help="Characters of each.")
    parser.add_argument("--samples", type=int, default=5, help="Small requests timed per case.")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results" / "load.json"))
    parser.add_argument("--serve_port", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_port is not None:
        return serve(args.model, args.dtype, args.serve_port)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, __file__, "--model", args.model, "--dtype", args.dtype]
    server = subprocess.Popen([*command, "--serve_port", str(port)])
    try:
        _wait_ready(base, server)
        model = httpx.get(base + "/health").json()["model"]
        rss = {"ready_mb": rss_mb(server.pid)}
        sampler = RssSampler(server.pid)
        sampler.start()
        requests = workload(args.requests, args.distinct, ServeConfig())
        rounds = []
        for round_ in range(args.rounds):  # a soak: memory must level off, not keep growing
            rounds.append(asyncio.run(run_load(base, requests, args.clients, args.time_limit)))
            rss[f"after_load_round_{round_ + 1}_mb"] = rss_mb(server.pid)
        small = json.dumps({"text": invented_texts(1, seed=1)[0]}).encode()
        text = clean_text(" ".join(invented_texts(args.distinct)))
        long_text = (text + " ") * (args.big_chars // (len(text) + 1) + 1)
        big = json.dumps({"texts": [long_text[: args.big_chars]] * args.big_texts}).encode()
        blocking = asyncio.run(head_of_line(base, server.pid, small, big, args.samples))
        sampler.stop.set()
        rss |= {"after_all_mb": rss_mb(server.pid), "peak_mb": sampler.peak}
    finally:
        server.terminate()
        server.wait(30)
    result = {
        "model": args.model,
        "server_model": model,
        "clients": args.clients,
        "big_request": f"{args.big_texts} texts x {args.big_chars} characters",
        "load_rounds": rounds,
        "head_of_line": blocking,
        "server_rss": rss,
    }
    result = stamp(result, packages=("fastapi", "uvicorn", "httpx"))
    print(json.dumps(result, indent=2))
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, indent=2) + "\n")
    for load in rounds:
        assert load["server_errors_5xx"] == 0 and not load["failures"], load["failures"]


if __name__ == "__main__":
    main()
