"""REST server: ``POST /extract``, ``GET /health``, OpenAPI docs at ``/docs``.

    python -m calendar_ner serve --port 8000            # 127.0.0.1 by default
    curl -s localhost:8000/extract -H 'content-type: application/json' \\
         -d '{"text": "Lunch with Sam on 3rd, Feb 2025 at 1pm"}'

Concurrent requests are micro-batched: texts that arrive within ``batch_wait_ms`` of each other
(up to ``max_batch`` texts) share one decoding batch, run off the event loop in one worker thread.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, model_validator

from calendar_ner.details import check_when, extract_details, ics
from calendar_ner.schema import FIELDS, SCHEMA_VERSION
from calendar_ner.web import add_web_routes

log = logging.getLogger(__name__)


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
    batch_wait_ms: float = 5.0
    """How long the batcher waits for more texts before decoding."""


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


class _Batcher:
    """Collects texts from concurrent requests and decodes them in shared batches."""

    def __init__(self, extractor, max_batch: int, wait_s: float) -> None:
        self.extractor = extractor
        self.max_batch = max_batch
        self.wait_s = wait_s
        self.queue: asyncio.Queue = asyncio.Queue()

    async def submit(self, texts: list[str]) -> list[dict]:
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in texts]
        for text, future in zip(texts, futures):
            self.queue.put_nowait((text, future))
        return list(await asyncio.gather(*futures))

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            items = [await self.queue.get()]
            deadline = loop.time() + self.wait_s
            while len(items) < self.max_batch:
                try:
                    items.append(await asyncio.wait_for(self.queue.get(), deadline - loop.time()))
                except asyncio.TimeoutError:
                    break
            items = [(text, future) for text, future in items if not future.done()]  # cancelled
            if not items:
                continue
            try:
                events = await asyncio.to_thread(
                    self.extractor.extract_batch, [text for text, _ in items], len(items)
                )
            except Exception as err:  # noqa: BLE001 - reported to every waiting request
                log.exception("extraction failed")
                for _, future in items:
                    if not future.done():
                        future.set_exception(err)
                continue
            for (_, future), event in zip(items, events):
                if not future.done():  # the client may have gone away meanwhile
                    future.set_result(event)


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


def create_app(extractor, config: ServeConfig | None = None) -> FastAPI:
    """The FastAPI app around a :class:`~calendar_ner.extract.CalendarExtractor`."""
    config = config or ServeConfig()
    batcher = _Batcher(extractor, config.max_batch, config.batch_wait_ms / 1000)

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        batcher.queue = asyncio.Queue()  # bound to this server's event loop
        task = asyncio.create_task(batcher.run())
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
        for i, text in enumerate(texts):
            if len(text) > config.max_text_chars:
                where = "'text'" if body.text is not None else f"'texts'[{i}]"
                raise HTTPException(
                    422, f"{where} has {len(text)} characters; at most {config.max_text_chars}"
                )
        as_ics = body.format == "ics" or "text/calendar" in request.headers.get("accept", "")
        if body.details or as_ics:  # decoded with scores, off the batcher
            events = await asyncio.to_thread(
                extract_details, extractor, texts, config.max_batch, body.reference, body.timezone
            )
            if as_ics:
                return Response(ics(events).text, media_type="text/calendar")
            events = [d.to_dict() for d in events]
        else:
            events = await batcher.submit(texts)
        return {"event": events[0]} if body.text is not None else {"events": events}

    return app
