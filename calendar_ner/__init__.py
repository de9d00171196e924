"""calendar_ner: fine-tune SmolLM with LoRA/QLoRA to turn calendar requests into 8-key JSON."""

from calendar_ner.schema import FIELDS, SCHEMA_VERSION, canonicalize

__all__ = ["FIELDS", "SCHEMA_VERSION", "canonicalize"]
__version__ = "0.3.10"
