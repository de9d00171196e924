"""Schema-constrained greedy decoding: the model writes only the values, never the JSON skeleton.

The fixed text of the target (``{"action":``, ``, "date":``, … ``}``; :mod:`calendar_ner.prompt`)
is fed to the model through the KV cache in the same forward as other tokens; the model only picks
value tokens, each checked against a tiny JSON grammar (`` null``, `` "…"`` or, for attendees,
`` ["…", …]``). Every output is therefore a JSON object with exactly the 8 keys in schema order.

Speed comes from doing fewer forwards, since each one streams all weights (~40 ms fp32, ~24 ms
bf16 for one token of the 135M model on 2 CPU cores) while extra positions in the same forward
are cheap (~0.5 ms each in bf16). So every forward verifies a *draft of the rest of the output*:

* the rest of the current value — a rule-based guess of it (:mod:`calendar_ner.decode.drafts`) when
  the model is writing that guess, else the request text that follows what it wrote (prompt
  lookup: values are mostly verbatim spans) up to where such a value usually ends;
* then the fixed text and the guessed values of all following fields.

The model's greedy token is checked against the draft position by position; the agreeing
prefix is kept, and the first disagreement becomes the next forward's input with a new draft,
so in fp32 the output is exactly that of draft-free greedy decoding (in bf16 a near-tie may
round differently with the number of positions in a forward).
A right guess decodes a whole event in one forward (~1.9 forwards per event on the real test
split, ``benchmarks/latency.py``). Rejected draft tokens stay in the cache but are masked out,
so rows of a batch never need the cache rewound and batched decoding works the same way.
With frozen weights (:class:`calendar_ner.extract.CalendarExtractor`) the prompt's fixed head,
the same for every request, is computed once and its cache entries reused by every batch.

A per-value token cap makes even an untrained model terminate with valid JSON.

Values the labels copy (the action, date and time as written, attendee names, location, notes:
:data:`~calendar_ner.decode.copy.COPY_FIELDS`) are kept to spans of the request that start at a
word start: a token that would leave the text is skipped for the model's next-best one, or for
the text's own continuation, so "Isabella" cannot come out as "Istana" nor "Kickoff call" as
"Kickback call". The action also starts and ends only where a request's action can
(:mod:`calendar_ner.decode.copy`: never inside a phrase of content words), so "2:1 sync" cannot
lose its "2:1" nor "Email vendor" its "vendor".
And a copied string is spelled with the very tokens a training target spells it with (a value's
tokens are those of its text alone), its case included: the labels copy case too.
The options are one :class:`~calendar_ner.decode.config.DecodeConfig`; what happens to a value
once decoded is :mod:`calendar_ner.decode.postprocess`.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TypeVar

import torch
from transformers import DynamicCache, PreTrainedTokenizerBase

from calendar_ner.decode.config import DecodeConfig
from calendar_ner.decode.copy import (
    action_ends,
    action_span,
    action_starts,
    joined_names_missing,
    name_bounds,
    name_breaks,
    place_bounds,
    words_to_assistant,
)
from calendar_ner.decode.drafts import guess_event, value_end
from calendar_ner.decode.grammar import COMPLETE, INVALID, PARTIAL, value_status
from calendar_ner.decode.types import Candidates, allows, candidates, continuations
from calendar_ner.prompt import PROMPT_HEAD, encode_prompt, encode_segment, fixed_text, value_text
from calendar_ner.schema import FIELDS, LIST_FIELDS, Event
from calendar_ner.spans import Span, copied, fold

T = TypeVar("T")
Steps = Generator[None, None, T]  # work done one step (a forward) per next(), then its result


def run_steps(steps: Steps[T]) -> T:
    """Run ``steps`` to the end and return its result."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


# Copied fields that may not overlap a date, time or duration of the request (typed_copies).
_OFF_TYPED = frozenset({"action", "attendees", "location"})


@dataclass
class _Row:
    """Decoding state of one request."""

    text: str
    guess: Event  # a rule-based draft of every value (calendar_ner.decode.drafts)
    guess_ids: list[list[int]]  # its value tokens per field
    stops: list[int]  # where date/time/duration spans start in ``text``
    field_index: int = 0
    value_ids: list[int] = field(default_factory=list)
    value_text: str = ""
    values: list[str] = field(default_factory=list)
    forced: list[int] = field(default_factory=list)  # fixed-text tokens that must come next
    pending: list[int] = field(default_factory=list)  # accepted, not yet in the cache
    cache_len: int = 0  # real (unmasked) tokens in the cache
    budget: int = 0  # longest next draft (shrinks while drafts miss, see _next_budget)
    done: bool = False
    action_starts: frozenset[int] | None = None  # where the action may start (None: anywhere)
    action_ends: frozenset[int] | None = None  # where it may end (None: at any word end)
    place_starts: frozenset[int] | None = None  # where a location may start (None: anywhere)
    place_ends: frozenset[int] | None = None  # where it may end (None: at any word end)
    name_starts: frozenset[int] | None = None  # where an attendee may start (None: anywhere)
    name_ends: frozenset[int] | None = None  # where an attendee may end (None: any word end)
    name_breaks: tuple[Span, ...] = ()  # the list marks no attendee runs over
    courtesy: tuple[Span, ...] = ()  # the words to the assistant, which nothing copies
    folded_text: str = field(init=False)  # ``fold(text)``, for the copy constraint
    canon: dict[str, list[int]] = field(default_factory=dict)  # span text -> its tokens
    seen: int | None = None  # about how much of ``text`` the prompt keeps (None: all of it)
    typed: Candidates = field(default_factory=Candidates)  # allowed typed values
    action_span: tuple[int, int] | None = None  # where the decoded action was copied from
    logprobs: list[float] = field(default_factory=lambda: [0.0] * len(FIELDS))  # per field

    def __post_init__(self) -> None:
        self.folded_text = fold(self.text)
        if self.seen is None:
            self.seen = len(self.text)

    @property
    def bounds(self) -> tuple[frozenset[int] | None, frozenset[int] | None]:
        """Where the current value's strings may start and end (None: at any word start/end)."""
        if FIELDS[self.field_index] == "action":
            return self.action_starts, self.action_ends
        if FIELDS[self.field_index] == "location":
            return self.place_starts, self.place_ends
        if FIELDS[self.field_index] == "attendees":
            return self.name_starts, self.name_ends
        return None, None

    @property
    def in_list(self) -> bool:
        return FIELDS[self.field_index] in LIST_FIELDS


@dataclass(frozen=True)
class Decoded:
    """A decoded event with its scores: ``logprobs[field]`` sums the log-probability the model
    gave each value token it chose for the field (its full softmax at that position; the fixed
    text between values is not counted)."""

    raw: str
    logprobs: dict[str, float]


class ConstrainedDecoder:
    """Greedy, schema-constrained, draft-verified decoding for a causal LM and its tokenizer."""

    def __init__(
        self,
        model: torch.nn.Module,
        tokenizer: PreTrainedTokenizerBase,
        *,
        max_prompt_tokens: int = 192,
        max_value_tokens: int = 40,
        draft_tokens: int = 96,
        min_draft_tokens: int = 8,
        top_k: int = 12,
        config: DecodeConfig | None = None,
        cache_prompt_head: bool = False,
    ) -> None:
        """
        Args:
            model: A causal LM (PEFT-wrapped or merged).
            tokenizer: Its tokenizer.
            max_prompt_tokens: Prompt budget; longer request texts are cut (counted in
                ``prompt_truncated``).
            max_value_tokens: Per-value cap, after which the value is closed.
            draft_tokens: Longest draft verified in one forward (96 covers a whole event: the
                compact target JSON is ~70 tokens).
            min_draft_tokens: The shortest it gets while drafts keep missing.
            top_k: Candidates checked against the grammar per step.
            config: How values may be written (:class:`DecodeConfig`; None: its defaults).
            cache_prompt_head: Compute the prompt's fixed head (the same ~10 tokens before every
                request) once and reuse its keys and values in every batch, which saves ~8% of
                the tokens fed per event. Only for weights that no longer change: a model that
                is still training would read a stale head.
        """
        self.model = model
        self.tokenizer = tokenizer
        self.max_prompt_tokens = max_prompt_tokens
        self.max_value_tokens = max_value_tokens
        self.draft_tokens = draft_tokens
        self.min_draft_tokens = min(min_draft_tokens, draft_tokens)
        self.top_k = top_k
        self.config = config or DecodeConfig()
        self.copy_fields = frozenset(self.config.copy_fields)
        self.action_bounds = self.config.action_bounds and "action" in self.copy_fields
        self.exact_copy = self.config.exact_copy
        self.outside_action = frozenset(self.config.outside_action)
        # Typed fields never null while the request writes a value of their type.
        stated = ("date", "time", "duration") if self.config.stated_not_null else ()
        self.stated_fields = frozenset(stated)
        self.cache_prompt_head = cache_prompt_head
        self.head_ids = encode_segment(tokenizer, PROMPT_HEAD)  # what every prompt starts with
        self._head: tuple[int, list[tuple[torch.Tensor, torch.Tensor]]] | None = None
        self.fixed_ids = [encode_segment(tokenizer, fixed_text(i)) for i in range(len(FIELDS) + 1)]
        self.null_id = self._single(" null")
        self.closers = [self._single(t) for t in ('"', '"]', "]", ' "')]
        self.open_list = self._single(' ["')
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self.prompt_truncated = 0
        # transformers renamed `past_key_values` to `cache` (the old name goes in 5.40).
        forward = getattr(model, "get_base_model", lambda: model)().forward
        params = inspect.signature(forward).parameters
        self.cache_kwarg = "cache" if "cache" in params else "past_key_values"

    def _single(self, text: str) -> int:
        ids = encode_segment(self.tokenizer, text)
        if len(ids) != 1:
            raise ValueError(f"tokenizer splits {text!r} into {len(ids)} tokens; expected 1")
        return ids[0]

    def _decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, clean_up_tokenization_spaces=False)

    # --- the per-row state machine -------------------------------------------------------------

    def _step(self, row: _Row, token: int) -> None:
        """Consume the next token: a forced one, or a value token (closing the value if done)."""
        if row.forced:
            row.forced.pop(0)
            return
        row.value_ids.append(token)
        row.value_text = self._decode(row.value_ids)
        complete = value_status(row.value_text, row.in_list) == COMPLETE
        if not complete and len(row.value_ids) < self.max_value_tokens + 4:
            return
        # Past the cap even the closers failed (a degenerate model): the value is dropped.
        row.values.append(row.value_text if complete else " null")
        action = json.loads(row.value_text) if row.field_index == 0 and complete else None
        if isinstance(action, str):
            row.action_span = action_span(action, row.text, row.action_starts)
        row.field_index += 1
        row.value_ids, row.value_text = [], ""
        if row.field_index == len(FIELDS):
            row.done = True
        else:
            row.forced = list(self.fixed_ids[row.field_index])

    def _next(self, row: _Row, logits: torch.Tensor) -> int:
        """The next token: forced text, else the best token that keeps the value valid."""
        if row.forced:
            return row.forced[0]
        if len(row.value_ids) < self.max_value_tokens:
            copy = FIELDS[row.field_index] in self.copy_fields
            for token in torch.topk(logits, self.top_k).indices.tolist():
                if self._allowed(row, token, copy):
                    return token
            # A name or place the model wants is closed to it: nothing rather than another span.
            if self._leave_empty(row):
                return self.closers[0]
            # The model's best tokens leave the text or the candidates: continue one instead.
            typed = row.typed.of(FIELDS[row.field_index])
            if copy or typed is not None:
                spans = [t for t in self._span_tokens(row) if self._allowed(row, t, copy)]
                if not spans and copy and typed:
                    # Tokens copied exactly from one span ("a" of "a 2 hour slot") while the
                    # text is a candidate's prefix ("afternoon", never spelt with "a"): no copied
                    # token goes on, so finish the candidate rather than close on "a".
                    spans = [t for t in self._span_tokens(row) if self._allowed(row, t, False)]
                if spans:
                    return max(spans, key=lambda t: logits[t].item())
        return self._closer(row)

    def _stated(self, row: _Row) -> bool:
        """Whether the current value may not be null (``stated_not_null``): a date or time, or
        a length or recurrence the request states ("for an hour", "…, 45 mins."; "weekly",
        "every Wednesday"; not "a 5 min walk", "Quarterly")."""
        field_name = FIELDS[row.field_index]
        if field_name == "recurrence":
            return bool(self.stated_fields) and row.typed.recurrence_stated
        if field_name == "duration":
            return field_name in self.stated_fields and row.typed.duration_stated
        return field_name in self.stated_fields

    def _leave_empty(self, row: _Row) -> bool:
        """Whether to close the just-opened string of an attendee or location that none of the
        model's best tokens may start (``null_when_blocked``): the value becomes null."""
        body = row.value_text[1:]
        return (
            self.config.null_when_blocked
            and FIELDS[row.field_index] in ("attendees", "location")
            and FIELDS[row.field_index] in self.copy_fields
            and body.count('"') % 2 == 1
            and body.endswith('"')
            and not self._needs_value(row)
            and not (  # a joined name is still to come: let it be written ("Sarah + team")
                FIELDS[row.field_index] == "attendees"
                and self.config.joined_attendees
                and not self._joined_allowed(row, row.value_text + '"]')
            )
        )

    @staticmethod
    def _joined_allowed(row: _Row, text: str) -> bool:
        """Whether an attendee list so far (``text``) may go on as it does: while the request
        joins a name of the list to one it lacks ("Sarah + team"), the list may not close and
        the next name must be that one (``joined_attendees``)."""
        body = text[1:]
        names = [json.loads(f'"{m}"') for m in re.findall(r'"((?:[^"\\]|\\.)*)"', body)]
        for i, name in enumerate(names):  # each name after one that needed it is that one
            missing = joined_names_missing(names[:i], row.text[: row.seen])
            if missing and not copied(f' "{name}"', row.folded_text, missing):
                return False
        missing = joined_names_missing(names, row.text[: row.seen])
        if missing and body.count('"') % 2 == 1:  # the open string must be a missing name
            return copied(' "' + body[body.rfind('"') + 1 :], row.folded_text, missing)
        return not (missing and body.rstrip().endswith("]"))

    def _needs_value(self, row: _Row) -> bool:
        """Whether the current value may not be null: a location of a request that names a
        meeting platform or "online" outside the span of its action (``platform_location``),
        or the attendees of a request that says who with ("with Sarah", "w/ team";
        ``stated_attendees``)."""
        name = FIELDS[row.field_index]
        if name == "location" and self.config.platform_location:
            return row.typed.platform_outside(row.action_span)
        if name == "attendees" and self.config.stated_attendees:
            return row.typed.attendees_stated
        return False

    def _allowed(self, row: _Row, token: int, copy: bool) -> bool:
        ids = row.value_ids + [token]
        text = self._decode(ids)
        if value_status(text, row.in_list) == INVALID:
            return False
        field_name = FIELDS[row.field_index]
        nullable = not self._stated(row)
        if not allows(text, row.typed.of(field_name), nullable):
            return False
        body = text[1:]
        empty = body == '""' or body.startswith(("[]", '[""')) or (body and "null".startswith(body))
        if empty and self._needs_value(row):  # neither null nor an empty string or list
            return False
        if field_name == "attendees" and self.config.joined_attendees:
            if not self._joined_allowed(row, text):
                return False
        if not copy:
            return True
        blocked = (*row.typed.blocked, *row.courtesy) if field_name in _OFF_TYPED else row.courtesy
        if row.action_span and field_name in self.outside_action:
            blocked = (*blocked, row.action_span)
        if field_name == "attendees" and self.config.people_attendees:
            blocked = (*blocked, *row.typed.platforms)
        if field_name == "attendees":
            blocked = (*blocked, *row.name_breaks)
        if not copied(text, row.folded_text, *row.bounds, blocked):
            return False
        if not self.exact_copy:
            return True
        content = self._open_string(ids, text)
        return content is None or any(
            canon[: len(content[1])] == content[1] for canon in self._spans(row, content[0])
        )

    def _open_string(self, ids: list[int], text: str) -> tuple[str, list[int]] | None:
        """The open string's text and tokens that ``text`` (``ids`` decoded, a valid prefix)
        ends in; None when no string is open or a token straddles its opening quote."""
        body = text[1:]
        if body.count('"') % 2 == 0:
            return None
        content = body[body.rfind('"') + 1 :]
        for k in range(len(ids), -1, -1):
            piece = self._decode(ids[k:])
            if piece == content:
                return content, ids[k:]
            if len(piece) > len(content):
                return None
        return None

    def _spans(self, row: _Row, content: str) -> list[list[int]]:
        """The tokens a training target would spell each span of the request with that starts
        with ``content`` at a word start (an allowed one for the action), through the word
        after it: a value's tokens are those of its text alone (``encode_segment``)."""
        starts = row.bounds[0]
        out = []
        for match in re.finditer("(?<!\\w)(?=" + re.escape(content) + ")", row.text):
            p = match.start()
            if p >= row.seen:
                break
            if starts is None or p in starts:
                end = row.text.find(" ", p + len(content) + 1)
                window = row.text[p : end if end >= 0 else len(row.text)]
                if window not in row.canon:
                    row.canon[window] = encode_segment(self.tokenizer, window)
                out.append(row.canon[window])
        return out

    def _span_tokens(self, row: _Row) -> set[int]:
        """First tokens of each way the open string of the current value goes on in the text
        or to a typed candidate, and the closing quote; at the start of a value that may not be
        null, the first token of each candidate (for a location that may not be null, the opening
        quote)."""
        body = row.value_text[1:]
        allowed = row.typed.of(FIELDS[row.field_index])
        if not row.value_ids and allowed and self._stated(row):
            return {encode_segment(self.tokenizer, value_text(c))[0] for c in allowed}
        if not row.value_ids and self._needs_value(row):  # open the string or the list
            return {self.closers[3] if FIELDS[row.field_index] == "location" else self.open_list}
        if body.count('"') % 2 == 0:  # not inside a string
            return set()
        tokens = {self.closers[0]}
        for rest in continuations(row.value_text, allowed or ()):
            tokens.add(encode_segment(self.tokenizer, rest)[0])
        if FIELDS[row.field_index] not in self.copy_fields:
            return tokens
        content = self._open_string(row.value_ids, row.value_text) if self.exact_copy else None
        if content is not None:
            n = len(content[1])
            for canon in self._spans(row, content[0]):
                if canon[:n] == content[1] and len(canon) > n:
                    tokens.add(canon[n])
            return tokens
        folded = fold(body[body.rfind('"') + 1 :])
        for match in re.finditer("(?<!\\w)" + re.escape(folded), row.folded_text):
            rest = row.text[match.end() : match.end() + 16]
            if rest:
                tokens.add(encode_segment(self.tokenizer, rest)[0])
        return tokens

    def _closer(self, row: _Row) -> int:
        """A token that ends the current value validly (or at least keeps it valid)."""
        if not row.value_ids:
            return self.null_id
        body = row.value_text[1:]
        candidates = list(self.closers)
        if "null".startswith(body):
            candidates.insert(0, encode_segment(self.tokenizer, "null"[len(body) :])[0])
        partial = None
        for token in candidates:
            status = value_status(self._decode(row.value_ids + [token]), row.in_list)
            if status == COMPLETE:
                return token
            if status == PARTIAL and partial is None:
                partial = token
        return partial if partial is not None else self.closers[0]

    def _draft(self, row: _Row) -> list[int]:
        """Tokens proposed after ``row.pending``: the rest of the current value, then the fixed
        text and the guessed values of the following fields, up to the draft budget."""
        if row.done:
            return []
        draft, complete = self._value_rest(row)
        field_index = row.field_index + 1
        # No closing brace: the row is done once the last value is, nothing verifies it.
        while complete and len(draft) < row.budget and field_index < len(FIELDS):
            draft += self.fixed_ids[field_index] + row.guess_ids[field_index]
            field_index += 1
        return draft[: row.budget]

    def _next_budget(self, budget: int, accepted: int, rejected: int) -> int:
        """Double the draft budget after a fully accepted draft, halve it towards the accepted
        length after a miss (an empty draft leaves it as is).

        Measured per event on 2 cores: the shipped adapter keeps long drafts after an early miss
        (96 -> 48 -> 96; 149 ms and 1.85 forwards on the test split at batch 1 in bf16, as with
        a fixed 96), while a model that disagrees with the drafts (the base model without an
        adapter; 4 rows, batch 4, fp32) drops to short ones (96 -> 48 -> 24 -> 12 -> 8): 2.4 s,
        against 5.3 s with a fixed 96 and 1.9 s with no drafts.
        """
        if accepted + rejected == 0:
            return budget
        if not rejected:
            return min(self.draft_tokens, 2 * budget)
        return min(self.draft_tokens, max(self.min_draft_tokens, (budget + 2 * accepted) // 2))

    def _value_rest(self, row: _Row) -> tuple[list[int], bool]:
        """A draft of the rest of the current value, and whether it ends the value."""
        guess = row.guess_ids[row.field_index]
        if not row.value_ids:
            return list(guess), True
        done = len(row.value_ids)
        if guess[:done] == row.value_ids and len(guess) > done:
            return guess[done:], True  # the model is writing the guessed value
        rest = self._rest_text(row)
        return (encode_segment(self.tokenizer, rest), True) if rest else ([], False)

    def _rest_text(self, row: _Row) -> str | None:
        """The rest of the current value as text, when there is a good guess for it."""
        field_name, written = FIELDS[row.field_index], row.value_text
        guessed = value_text(row.guess[field_name])
        if guessed.startswith(written) and len(guessed) > len(written):
            return guessed[len(written) :]
        body = written[1:]
        if "null".startswith(body):
            return "null"[len(body) :]
        guesses = row.guess[field_name] or []
        if not row.in_list:
            guesses = [guesses] if guesses else []
        else:  # the guessed names not written yet, in order
            guesses = [n for n in guesses if n not in re.findall(r'"([^"]*)"', body)]
        if body.count('"') % 2 == 0:  # between the strings of a list: ``"Sam"`` or ``"Sam", ``
            tail = "".join(f', "{n}"' for n in guesses) + "]"
            if body.endswith('"'):
                return tail
            return tail[2:] if body.endswith(", ") and guesses else None
        content = body[body.rfind('"') + 1 :]
        for k, name in enumerate(guesses):  # a guessed value, maybe at another place in a list
            if name.startswith(content) and len(name) > len(content):
                more = "".join(f', "{n}"' for n in guesses[k + 1 :]) + "]" if row.in_list else ""
                return name[len(content) :] + '"' + more
        # Else copy the request text that follows what was written (prompt lookup) up to where
        # such a value usually ends; a string just begun is looked up at a word start.
        for size in range(min(len(content), 24), 0, -1):
            prefix = "(?<!\\w)" if size == len(content) else ""
            match = re.search(prefix + re.escape(content[-size:]), row.text)
            if match:
                end = value_end(row.text, match.end(), row.stops)
                return row.text[match.end() : end] + ('"]' if row.in_list else '"')
        return None

    def _verify(self, row: _Row, draft: list[int], logits: torch.Tensor) -> int:
        """Accept the draft's agreeing prefix, set ``row.pending``; return the rejected count.

        ``logits[i]`` predicts the token after ``draft[i - 1]`` (after the pending tokens for 0).
        The value tokens chosen are scored into ``row.logprobs`` (:meth:`_score`).
        """
        picks: list[tuple[int, int, int]] = []  # (position, token, field) of each value token
        for i in range(len(draft) + 1):
            if row.done:
                row.pending = []
                break
            field_index, forced = row.field_index, bool(row.forced)
            token = self._next(row, logits[i])
            if not forced:
                picks.append((i, token, field_index))
            self._step(row, token)
            if i < len(draft) and draft[i] == token:
                continue  # already in the cache
            # Mismatch or draft used up: this token and the forced text after it go next.
            row.pending = [token] + row.forced
            row.forced = []
            break
        else:
            raise AssertionError("unreachable")
        self._score(row, logits, picks)
        return len(draft) - i

    @staticmethod
    def _score(row: _Row, logits: torch.Tensor, picks: list[tuple[int, int, int]]) -> None:
        """Add each picked token's log-probability (its logit less the logsumexp of its
        position's logits) to its field's sum; reads the logits, changes no choice."""
        if not picks:
            return
        positions, tokens, fields = zip(*picks)
        picked = logits[list(positions)]
        chosen = picked[range(len(tokens)), list(tokens)] - torch.logsumexp(picked, dim=-1)
        for f, score in zip(fields, chosen.tolist()):
            row.logprobs[f] += score

    # --- batched decoding ----------------------------------------------------------------------

    def decode_batch(self, texts: list[str]) -> list[str]:
        """Raw JSON text for each request (always valid, exactly the 8 keys)."""
        return [decoded.raw for decoded in self.decode_scored(texts)]

    def decode_scored(self, texts: list[str]) -> list[Decoded]:
        """:meth:`decode_batch` with each value's log-probability (the same raw text)."""
        return run_steps(self.decode_steps(texts))

    def decode_steps(self, texts: list[str]) -> Steps[list[Decoded]]:
        """:meth:`decode_scored` one forward at a time: a generator that yields after each
        forward and returns the decoded events, so a scheduler can run other work between the
        forwards of a long batch (the server interleaves its micro-batches this way)."""
        rows = yield from self._decode_rows(texts)
        return [Decoded(self._render(row), dict(zip(FIELDS, row.logprobs))) for row in rows]

    @torch.no_grad()
    def _decode_rows(self, texts: list[str]) -> Steps[list[_Row]]:
        """Decode each request, yielding after each forward; its rows hold the values and their
        scores."""
        rows = []
        head_len, head_states = self._prompt_head() if self.cache_prompt_head else (0, [])
        for text in texts:
            prompt, truncated = encode_prompt(self.tokenizer, text, self.max_prompt_tokens)
            self.prompt_truncated += truncated
            text = " ".join(text.split())
            # Guess from about what the prompt keeps (a token is rarely over 8 characters): the
            # date guess parses candidate spans, so a 10,000-character text would cost ~0.2 s.
            head = text[: 8 * self.max_prompt_tokens]
            guess, stops = guess_event(head)
            guess_ids = [encode_segment(self.tokenizer, value_text(guess[f])) for f in FIELDS]
            row = _Row(text, guess, guess_ids, stops, pending=prompt[head_len:] + self.fixed_ids[0])
            row.cache_len = head_len
            row.seen = len(head)  # copied spans are looked up there
            cfg = self.config
            row.typed = candidates(
                head,
                dates=cfg.typed_dates,
                times=cfg.typed_times,
                durations=cfg.typed_durations,
                recurrences=cfg.typed_recurrences,
                block=cfg.typed_copies,
            )
            if cfg.typed_copies:
                row.courtesy = words_to_assistant(head)
            if self.action_bounds:
                row.action_starts = action_starts(head, cfg.planned_action, row.typed.blocked)
                row.action_ends = action_ends(head, cfg.platform_in_action, row.typed.blocked)
            if cfg.place_bounds and "location" in self.copy_fields:
                row.place_starts, row.place_ends = place_bounds(head, row.typed.blocked)
            if cfg.name_bounds and "attendees" in self.copy_fields:
                row.name_starts, row.name_ends = name_bounds(head, row.typed.blocked)
                row.name_breaks = name_breaks(head)
            row.budget = self.draft_tokens
            rows.append(row)
        device = next(self.model.parameters()).device
        cache = DynamicCache()
        for layer, (keys, values) in enumerate(head_states):
            expand = (len(rows), -1, -1, -1)
            cache.update(
                keys.expand(expand).contiguous(), values.expand(expand).contiguous(), layer
            )
        mask = torch.ones((len(rows), head_len), dtype=torch.long, device=device)
        active = list(range(len(rows)))
        drafts = {i: self._draft(rows[i]) for i in active}
        while active:
            chunks = [rows[i].pending + drafts[i] for i in active]
            width = max(map(len, chunks))
            ids = torch.full((len(active), width), self.pad_id, dtype=torch.long)
            step_mask = torch.zeros((len(active), width), dtype=torch.long)
            positions = torch.zeros((len(active), width), dtype=torch.long)
            for b, (i, chunk) in enumerate(zip(active, chunks)):
                ids[b, width - len(chunk) :] = torch.tensor(chunk)
                step_mask[b, width - len(chunk) :] = 1
                start = rows[i].cache_len
                positions[b, width - len(chunk) :] = torch.arange(start, start + len(chunk))
            mask = torch.cat([mask, step_mask.to(device)], dim=1)
            keep = max(len(drafts[i]) for i in active) + 1
            logits = self.model(
                input_ids=ids.to(device),
                attention_mask=mask,
                position_ids=positions.to(device),
                **{self.cache_kwarg: cache},
                use_cache=True,
                logits_to_keep=keep,
            ).logits.float()
            for b, i in enumerate(active):
                row, draft = rows[i], drafts[i]
                rejected = self._verify(row, draft, logits[b, -len(draft) - 1 :])
                row.budget = self._next_budget(row.budget, len(draft) - rejected, rejected)
                if rejected:
                    mask[b, mask.size(1) - rejected :] = 0
                row.cache_len += len(chunks[b]) - rejected
                drafts[i] = self._draft(row)
            if mask.size(1) - int(mask.sum(1).max()) >= max(self.min_draft_tokens, 1):
                mask = self._compact(cache, mask)
            still = [b for b, i in enumerate(active) if not rows[i].done]
            if len(still) < len(active):
                index = torch.tensor(still, dtype=torch.long, device=device)
                cache.batch_select_indices(index)
                mask = mask[index]
                active = [active[b] for b in still]
            yield
        return rows

    def _prompt_head(self) -> tuple[int, list[tuple[torch.Tensor, torch.Tensor]]]:
        """The prompt head's length and its keys/values per layer, computed once."""
        if self._head is None:
            ids = self.head_ids
            device = next(self.model.parameters()).device
            cache = DynamicCache()
            self.model(
                input_ids=torch.tensor([ids], device=device),
                **{self.cache_kwarg: cache},
                use_cache=True,
                logits_to_keep=1,
            )
            self._head = len(ids), [(layer.keys, layer.values) for layer in cache.layers]
        return self._head

    @staticmethod
    def _compact(cache: DynamicCache, mask: torch.Tensor) -> torch.Tensor:
        """Drop the cache columns every row has masked out (rejected drafts), keeping each row's
        kept columns in order and right-aligned; returns the new mask. Keys carry their rotary
        positions already, so nothing else changes. Without this a model that keeps rejecting
        drafts would attend over an ever longer, mostly masked cache."""
        width = int(mask.sum(1).max())
        index = torch.sort(mask, dim=1, stable=True).indices[:, -width:]  # masked first, in order
        for layer in cache.layers:
            for name in ("keys", "values"):
                states = getattr(layer, name)
                expanded = index[:, None, :, None].expand(-1, states.size(1), -1, states.size(3))
                setattr(layer, name, states.gather(2, expanded))
        return mask.gather(1, index)

    def _render(self, row: _Row) -> str:
        values = row.values + [" null"] * (len(FIELDS) - len(row.values))
        body = "".join(fixed_text(i) + values[i] for i in range(len(FIELDS)))
        return body + fixed_text(len(FIELDS))
