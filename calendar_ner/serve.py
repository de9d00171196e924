"""REST server: ``POST /extract``, ``GET /health``, OpenAPI docs at ``/docs``.

    python -m calendar_ner serve --port 8000            # 127.0.0.1 by default
    curl -s localhost:8000/extract -H 'content-type: application/json' \\
         -d '{"text": "Lunch with Sam on 3rd, Feb 2025 at 1pm"}'

Concurrent requests are micro-batched: texts that arrive within ``batch_wait_ms`` of each other
share one decoding batch, run off the event loop in a worker thread. Each micro-batch takes one
text from each waiting request in turn, up to ``max_batch`` texts and ``max_batch_tokens`` prompt
tokens, and up to ``max_active`` micro-batches take turns forward by forward, so a short request
that arrives while a long one is decoding starts at the next forward (:class:`_Batcher`).

Isolation: a text that is not valid Unicode (a lone surrogate such as ``"\\ud800"``) gets 422
naming the field and index, before any decoding; control characters other than tab, newline and
carriage return are replaced by a space and the text is put in Unicode NFC form
(:func:`clean_text`). A text whose decoding fails fails only its own request (500 naming the
text); the other texts of its micro-batch are decoded again one by one and answered. A client
that disconnects has its texts not yet decoded dropped, and its micro-batch stopped between two
forwards when no other request shares it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import unicodedata
from collections import deque
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, model_validator

from calendar_ner.decode import Steps
from calendar_ner.details import EventDetails as Details
from calendar_ner.details import check_when, ics
from calendar_ner.prompt import encode_segment
from calendar_ner.schema import FIELDS, SCHEMA_VERSION
from calendar_ner.schema import Event as EventDict
from calendar_ner.web import add_web_routes

log = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class ServeConfig:
    """Server limits and batching."""

    host: str = "127.0.0.1"
    """Interface to bind (127.0.0.1: this machine only)."""
    port: int = 8000
    """TCP port."""
    max_body_bytes: int = 1_000_000
    """Larger request bodies get 413."""
    max_text_chars: int = 10_000
    """Longer texts get 422 (texts within the limit but over the model budget are cut)."""
    max_texts: int = 64
    """Most texts in one request; more get 422."""
    max_batch: int = 16
    """Most texts decoded together."""
    max_batch_tokens: int = 1024
    """Most prompt tokens in one micro-batch (a text costs at most the model's prompt budget,
    192 tokens): bounds how long one micro-batch, and so a waiting request, takes."""
    batch_wait_ms: float = 5.0
    """How long the batcher waits for more texts before decoding."""
    max_active: int = 4
    """Most micro-batches decoded at once, taking turns forward by forward: a new request starts
    at the next forward while fewer are decoding, else when one finishes."""


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # Cc less \t \n \r
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` in NFC with control characters (other than tab, newline, carriage return) as
    spaces; ValueError naming the character for text that is not valid Unicode.

    >>> clean_text("Lunch\\x00at noon")
    'Lunch at noon'
    >>> clean_text("Lunch \\ud800")
    Traceback (most recent call last):
    ...
    ValueError: holds a lone surrogate U+D800 at character 6: not valid Unicode
    """
    surrogate = _SURROGATE.search(text)
    if surrogate:
        raise ValueError(
            f"holds a lone surrogate U+{ord(surrogate.group()):04X} at character "
            f"{surrogate.start()}: not valid Unicode"
        )
    return unicodedata.normalize("NFC", _CONTROL.sub(" ", text))


class ExtractRequest(BaseModel):
    """Either ``text`` (one request) or ``texts`` (several)."""

    text: str | None = None
    texts: list[str] | None = None
    details: bool = Field(False, description="Each event with resolved, spans and confidence.")
    reference: str | None = Field(
        None, description="ISO 8601 date-time the request is read at (default: now)."
    )
    timezone: str | None = Field(
        None, description="IANA time zone, e.g. 'Europe/Berlin' (default: the server's)."
    )
    format: Literal["json", "ics"] = Field(
        "json", description="'ics': one text/calendar with a VEVENT per event that has a start."
    )

    @model_validator(mode="after")
    def _one_of(self) -> ExtractRequest:
        if (self.text is None) == (self.texts is None):
            raise ValueError("give exactly one of 'text' or 'texts'")
        check_when(self.reference, self.timezone)  # ValueError (422) naming the bad value
        return self


class Event(BaseModel):
    """One calendar event: exactly the eight schema keys, null where the request says nothing."""

    action: str | None = Field(description="What the event is, as the request writes it.")
    date: str | None = Field(
        description="DD/MM/YYYY for an absolute date with a year, else as written ('tomorrow')."
    )
    time: str | None = Field(description="H:MM AM/PM for a clock time, else as written.")
    attendees: list[str] | None = Field(description="Names of the people invited.")
    location: str | None = Field(description="Place or platform, as written.")
    duration: str | None = Field(description="How long, as the request states it ('45 minutes').")
    recurrence: str | None = Field(description="How it repeats, as written ('weekly').")
    notes: str | None = Field(description="Anything else the request asks to note.")


class EventDetails(BaseModel):
    """An event with how it was read (docs/details.md)."""

    output: Event
    resolved: dict[str, Any] = Field(description="start/end/duration/rrule in the time zone.")
    spans: dict[str, Any] = Field(description="[start, end) of each value in the request.")
    confidence: dict[str, float] = Field(description="The model's probability of each value.")


class ExtractResponse(BaseModel):
    """``event`` for a request with ``text``, ``events`` (in order) for one with ``texts``;
    each an :class:`EventDetails` when ``details`` is true."""

    event: Event | EventDetails | None = None
    events: list[Event | EventDetails] | None = None


class ModelInfo(BaseModel):
    """The model being served and how it decodes."""

    base_model: str | None
    dtype: str | None
    device: str | None
    decode: dict


class Health(BaseModel):
    """Server status."""

    status: str
    schema_version: str
    fields: list[str]
    model: ModelInfo


class TextFailed(Exception):
    """Decoding one text failed (the other texts of its micro-batch are still answered)."""

    def __init__(self, index: int, cause: BaseException) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.index = index


@dataclass(eq=False)
class _Item:
    """One text of a request, waiting to be decoded."""

    index: int  # its place in the request
    text: str
    tokens: int  # prompt tokens it costs (cut to the model's prompt budget)
    future: asyncio.Future
    when: tuple[datetime, str] | None = None  # details at (reference, zone); None: the event


@dataclass(eq=False)
class _Request:
    """A request's texts not yet taken into a micro-batch."""

    items: deque[_Item]


@dataclass(eq=False)
class _Job:
    """A micro-batch being decoded, one forward per turn."""

    items: list[_Item]
    owners: set[_Request]  # the requests its texts come from
    steps: Steps[list]  # CalendarExtractor.extract_steps

    @property
    def abandoned(self) -> bool:
        """Every request it decodes for is gone (or answered)."""
        return all(item.future.done() for item in self.items)


class _Batcher:
    """Decodes the texts of concurrent requests in micro-batches, interleaved forward by forward.

    A micro-batch takes one text from each waiting request in turn (round-robin), skipping
    requests that already have a micro-batch being decoded, up to ``max_batch`` texts and
    ``max_batch_tokens`` prompt tokens (at least one text) and no more texts than the extractor
    decodes together (:attr:`~calendar_ner.extract.CalendarExtractor.max_batch_size`).
    Up to ``max_active`` micro-batches are decoded at once, each advancing by one forward per
    turn (:meth:`~calendar_ner.extract.CalendarExtractor.extract_steps`), so a one-text request
    that arrives while a 64-text one is decoding starts at the next forward and shares the CPU
    with it forward by forward, instead of waiting for whole micro-batches.
    A text whose request is gone (its future cancelled) is dropped before it is decoded, and a
    micro-batch whose requests are all gone is dropped between two forwards. A micro-batch that
    fails is split into one micro-batch per text, so one bad text fails only itself."""

    def __init__(
        self, extractor, max_batch: int, max_batch_tokens: int, wait_s: float, max_active: int = 4
    ) -> None:
        self.extractor = extractor
        self.max_batch = min(max_batch, extractor.max_batch_size or max_batch)
        self.max_batch_tokens = max_batch_tokens
        self.wait_s = wait_s
        self.max_active = max_active
        self.requests: deque[_Request] = deque()  # waiting requests, in turn order
        self.active: deque[_Job] = deque()  # micro-batches being decoded, in turn order
        self.ready = asyncio.Event()

    def reset(self) -> None:
        """Forget all work (a new server's event loop)."""
        self.ready = asyncio.Event()
        self.requests.clear()
        self.active.clear()

    def cost(self, text: str) -> int:
        """Prompt tokens of ``text`` after the decoder cuts it to its prompt budget."""
        decoder = self.extractor.decoder
        budget = decoder.max_prompt_tokens
        # A token is rarely over 8 characters: counting past that would only cost time.
        head = " " + " ".join(text[: 8 * budget].split())
        return min(len(encode_segment(decoder.tokenizer, head)), budget)

    async def submit(
        self, texts: list[str], when: tuple[datetime, str] | None = None
    ) -> list[EventDict | Details]:
        """The events of ``texts``, in order (with ``when``, their details resolved at that
        ``(reference, zone)``); cancelling this drops the texts not yet decoded.
        Raises :class:`TextFailed` for the first text that failed (the rest are dropped)."""
        loop = asyncio.get_running_loop()
        items = deque(
            _Item(i, text, self.cost(text), loop.create_future(), when)
            for i, text in enumerate(texts)
        )
        futures = [item.future for item in items]
        self.requests.append(_Request(items))
        self.ready.set()
        try:
            return list(await asyncio.gather(*futures))
        finally:
            for future in futures:
                future.cancel()  # no-op for those answered; drops the rest

    def _job(self, items: list[_Item], owners: set[_Request]) -> _Job:
        steps = self.extractor.extract_steps([i.text for i in items], [i.when for i in items])
        return _Job(items, owners, steps)

    def _take(self, new: list[_Job]) -> _Job | None:
        """The next micro-batch, or None when every waiting request already has one (being
        decoded, or in ``new``)."""
        busy = set().union(*(job.owners for job in [*self.active, *new]))
        batch: list[_Item] = []
        owners: set[_Request] = set()
        tokens = 0
        full = False
        while not full:
            took = False
            for request in list(self.requests):
                items = request.items
                while items and items[0].future.done():  # cancelled: its request is gone
                    items.popleft()
                if not items:
                    self.requests.remove(request)
                    continue
                if request in busy:
                    continue
                if len(batch) == self.max_batch or (
                    batch and tokens + items[0].tokens > self.max_batch_tokens
                ):
                    full = True
                    break
                batch.append(items.popleft())
                tokens += batch[-1].tokens
                owners.add(request)
                took = True
            full = full or not took
        if not batch:
            return None
        for request in owners:  # their turn is over: behind every request waiting
            if request in self.requests:
                self.requests.remove(request)
                self.requests.append(request)
        return self._job(batch, owners)

    @staticmethod
    def _step(job: _Job) -> list | None:
        """One forward of ``job``; its results once it is done, else None."""
        try:
            next(job.steps)
        except StopIteration as done:
            return done.value
        return None

    def _answer(self, items: list[_Item], results: list) -> None:
        for item, result in zip(items, results):
            if not item.future.done():  # else the client went away meanwhile
                item.future.set_result(result)

    async def run(self) -> None:
        while True:
            if not self.requests and not self.active:
                self.ready.clear()
                await self.ready.wait()
                await asyncio.sleep(self.wait_s)  # let concurrent requests join the batch
            new: list[_Job] = []  # these go first: a new request starts at the next forward
            while len(self.active) + len(new) < self.max_active and (job := self._take(new)):
                new.append(job)
            self.active.extendleft(reversed(new))
            if not self.active:
                continue
            job = self.active.popleft()
            if job.abandoned:
                job.steps.close()
                continue
            try:
                results = await asyncio.to_thread(self._step, job)
            except Exception as err:  # noqa: BLE001 - isolated below
                if len(job.items) > 1:  # find the bad text: each goes on alone
                    self.active.extendleft(self._job([i], job.owners) for i in job.items)
                    continue
                log.error("decoding a text failed", exc_info=err)
                item = job.items[0]
                if not item.future.done():
                    item.future.set_exception(TextFailed(item.index, err))
                continue
            if results is None:
                self.active.append(job)
            else:
                self._answer(job.items, results)


class _BodyLimit:
    """ASGI middleware: 413 for bodies over ``limit`` bytes, chunked uploads included."""

    def __init__(self, app, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # client disconnected
            body += message.get("body", b"")
            if len(body) > self.limit:
                response = JSONResponse(
                    status_code=413, content={"detail": f"request body over {self.limit} bytes"}
                )
                return await response(scope, receive, send)
            more = message.get("more_body", False)
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _disconnected(request: Request) -> None:
    """Returns once the client has disconnected (the body is already read: the next ASGI
    message is the disconnect)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def create_app(extractor, config: ServeConfig | None = None) -> FastAPI:
    """The FastAPI app around a :class:`~calendar_ner.extract.CalendarExtractor`."""
    config = config or ServeConfig()
    batcher = _Batcher(
        extractor,
        config.max_batch,
        config.max_batch_tokens,
        config.batch_wait_ms / 1000,
        config.max_active,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        batcher.reset()  # bound to this server's event loop
        task = asyncio.create_task(batcher.run())
        scope = "this machine only" if config.host in LOOPBACK else "reachable from the network"
        print(
            f"calendar_ner: serving on http://{config.host}:{config.port} ({scope})",
            file=sys.stderr,
        )
        yield
        task.cancel()

    app = FastAPI(
        title="calendar_ner",
        description="Calendar request text → JSON event with keys " + ", ".join(FIELDS),
        version=SCHEMA_VERSION,
        lifespan=lifespan,
        docs_url=None,  # served from the package by add_web_routes (no CDN)
        redoc_url=None,
    )
    app.add_middleware(_BodyLimit, limit=config.max_body_bytes)
    add_web_routes(app)

    @app.get("/health")
    async def health() -> Health:
        meta = extractor.meta
        inference = meta.get("inference", {})
        model = ModelInfo(
            base_model=meta.get("base_model"),
            dtype=inference.get("dtype"),
            device=inference.get("device"),
            decode=meta.get("decode", {}),
        )
        return Health(status="ok", schema_version=SCHEMA_VERSION, fields=list(FIELDS), model=model)

    @app.post(
        "/extract",
        response_model=ExtractResponse,
        response_model_exclude_unset=True,
        responses={200: {"content": {"text/calendar": {}}}},
    )
    async def extract(body: ExtractRequest, request: Request) -> Any:
        """Events for ``text`` or ``texts``; an iCalendar for ``"format": "ics"`` or
        ``Accept: text/calendar``."""
        texts = [body.text] if body.text is not None else body.texts
        if len(texts) > config.max_texts:
            raise HTTPException(
                422, f"'texts' holds {len(texts)} items; at most {config.max_texts}"
            )
        cleaned = []
        for i, text in enumerate(texts):
            where = "'text'" if body.text is not None else f"'texts'[{i}]"
            if len(text) > config.max_text_chars:
                raise HTTPException(
                    422, f"{where} has {len(text)} characters; at most {config.max_text_chars}"
                )
            try:
                cleaned.append(clean_text(text))
            except ValueError as err:
                raise HTTPException(422, f"{where} {err}") from None
        as_ics = body.format == "ics" or "text/calendar" in request.headers.get("accept", "")
        # details: resolved at the request's reference (default: now, when it arrives)
        when = check_when(body.reference, body.timezone) if body.details or as_ics else None
        work = asyncio.ensure_future(batcher.submit(cleaned, when))
        gone = asyncio.ensure_future(_disconnected(request))
        await asyncio.wait({work, gone}, return_when=asyncio.FIRST_COMPLETED)
        gone.cancel()
        if not work.done():  # the client went away: drop its texts not yet decoded
            work.cancel()
            raise HTTPException(499, "client disconnected")
        try:
            events = work.result()
        except TextFailed as err:
            where = "'text'" if body.text is not None else f"'texts'[{err.index}]"
            raise HTTPException(500, f"decoding {where} failed ({err})") from None
        if as_ics:
            return Response(ics(events).text, media_type="text/calendar")
        if when is not None:
            events = [found.to_dict() for found in events]
        return {"event": events[0]} if body.text is not None else {"events": events}

    return app
