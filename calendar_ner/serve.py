"""REST server: ``POST /extract``, ``GET /health``, OpenAPI docs at ``/docs``.

    python -m calendar_ner serve --port 8000            # 127.0.0.1 by default
    curl -s localhost:8000/extract -H 'content-type: application/json' \\
         -d '{"text": "Lunch with Sam on 3rd, Feb 2025 at 1pm"}'

Concurrent requests are micro-batched: texts that arrive within ``batch_wait_ms`` of each other
share one decoding batch, run off the event loop in one worker thread. Each micro-batch takes one
text from each waiting request in turn, up to ``max_batch`` texts and ``max_batch_tokens`` prompt
tokens, so a long request cannot hold up a short one for more than one micro-batch.

Isolation: a text that is not valid Unicode (a lone surrogate such as ``"\\ud800"``) gets 422
naming the field and index, before any decoding; control characters other than tab, newline and
carriage return are replaced by a space and the text is put in Unicode NFC form
(:func:`clean_text`). A text whose decoding fails fails only its own request (500 naming the
text); the other texts of its micro-batch are decoded again one by one and answered. A client
that disconnects has its texts not yet decoded dropped.
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
from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, model_validator

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


class _Batcher:
    """Decodes the texts of concurrent requests in shared micro-batches, taking one text from
    each waiting request in turn (round-robin), so a 64-text request delays a 1-text one by
    at most one micro-batch. A micro-batch holds at most ``max_batch`` texts and
    ``max_batch_tokens`` prompt tokens (at least one text), and no more texts than the extractor
    decodes together (:attr:`~calendar_ner.extract.CalendarExtractor.max_batch_size`).
    A text whose request is gone (its future cancelled) is dropped before it is decoded."""

    def __init__(self, extractor, max_batch: int, max_batch_tokens: int, wait_s: float) -> None:
        self.extractor = extractor
        self.max_batch = min(max_batch, extractor.max_batch_size or max_batch)
        self.max_batch_tokens = max_batch_tokens
        self.wait_s = wait_s
        self.requests: deque[deque[_Item]] = deque()  # waiting requests, in turn order
        self.served_front = False  # the first request has just had its turn
        self.ready = asyncio.Event()

    def cost(self, text: str) -> int:
        """Prompt tokens of ``text`` after the decoder cuts it to its prompt budget."""
        decoder = self.extractor.decoder
        budget = decoder.max_prompt_tokens
        # A token is rarely over 8 characters: counting past that would only cost time.
        head = " " + " ".join(text[: 8 * budget].split())
        return min(len(encode_segment(decoder.tokenizer, head)), budget)

    async def submit(self, texts: list[str]) -> list[EventDict]:
        """The events of ``texts``, in order; cancelling this drops the texts not yet decoded.
        Raises :class:`TextFailed` for the first text that failed (the rest are dropped)."""
        loop = asyncio.get_running_loop()
        items = deque(
            _Item(i, text, self.cost(text), loop.create_future()) for i, text in enumerate(texts)
        )
        futures = [item.future for item in items]
        self.requests.append(items)
        self.ready.set()
        try:
            return list(await asyncio.gather(*futures))
        finally:
            for future in futures:
                future.cancel()  # no-op for those answered; drops the rest

    def _take(self) -> list[_Item]:
        """The next micro-batch: one text per waiting request in turn, within the limits."""
        batch: list[_Item] = []
        tokens = 0
        while self.requests and len(batch) < self.max_batch:
            if self.served_front:  # its turn is over: behind every request waiting, new ones too
                self.requests.rotate(-1)
                self.served_front = False
            items = self.requests[0]
            while items and items[0].future.done():  # cancelled: its request is gone
                items.popleft()
            if not items:
                self.requests.popleft()
                continue
            if batch and tokens + items[0].tokens > self.max_batch_tokens:
                break
            batch.append(items.popleft())
            tokens += batch[-1].tokens
            self.served_front = True
        return batch

    def _decode(self, texts: list[str]) -> list[EventDict | Exception]:
        """Events for ``texts``; if the batch fails, each text is retried alone, so one bad
        text fails only itself."""
        try:
            return list(self.extractor.extract_batch(texts, len(texts)))
        except Exception as err:  # noqa: BLE001 - isolated below
            if len(texts) == 1:
                log.exception("decoding a text failed")
                return [err]
        return [self._decode([text])[0] for text in texts]

    async def run(self) -> None:
        while True:
            if not self.requests:
                self.ready.clear()
                await self.ready.wait()
                await asyncio.sleep(self.wait_s)  # let concurrent requests join the batch
            batch = self._take()
            if not batch:
                continue
            results = await asyncio.to_thread(self._decode, [item.text for item in batch])
            for item, result in zip(batch, results):
                if item.future.done():  # the client went away meanwhile
                    continue
                if isinstance(result, Exception):
                    item.future.set_exception(TextFailed(item.index, result))
                else:
                    item.future.set_result(result)


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
        extractor, config.max_batch, config.max_batch_tokens, config.batch_wait_ms / 1000
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        batcher.ready = asyncio.Event()  # bound to this server's event loop
        batcher.requests.clear()
        batcher.served_front = False
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
        if body.details or as_ics:  # decoded with scores, off the batcher
            found = await asyncio.to_thread(
                extractor.extract_batch,
                cleaned,
                config.max_batch,
                details=True,
                reference=body.reference,
                timezone=body.timezone,
            )
            if as_ics:
                return Response(ics(found).text, media_type="text/calendar")
            events = [d.to_dict() for d in found]
            return {"event": events[0]} if body.text is not None else {"events": events}
        work = asyncio.ensure_future(batcher.submit(cleaned))
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
        return {"event": events[0]} if body.text is not None else {"events": events}

    return app
