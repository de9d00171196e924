"""Schema-constrained decoding, one idea a module.

* :mod:`~calendar_ner.decode.config` — :class:`DecodeConfig`, the decoding options;
* :mod:`~calendar_ner.decode.grammar` — the JSON value grammar;
* :mod:`~calendar_ner.decode.copy` — which fields are copied and where an action may start/end;
* :mod:`~calendar_ner.decode.drafts` — rule-based guesses the decoder verifies in one forward;
* :mod:`~calendar_ner.decode.decoder` — :class:`ConstrainedDecoder`, the batched decoding loop;
* :mod:`~calendar_ner.decode.postprocess` — decoded text → the event a user gets;
* :mod:`~calendar_ner.decode.free` — plain greedy ``generate``, the free-form comparison.
"""

from calendar_ner.decode.config import DecodeConfig
from calendar_ner.decode.copy import COPY_FIELDS
from calendar_ner.decode.decoder import ConstrainedDecoder, Steps, run_steps
from calendar_ner.decode.postprocess import parse_event, postprocess

__all__ = [
    "COPY_FIELDS",
    "ConstrainedDecoder",
    "DecodeConfig",
    "Steps",
    "parse_event",
    "postprocess",
    "run_steps",
]
