"""The LightningDataModule: builds the corpus (``prepare_data``), tokenizes (``setup``), batches.

python -m calendar_ner fit --config configs/default.yaml   # uses this module
python -m calendar_ner data --raw ../shared/data/event_text_mapping.dev.jsonl   # corpus only
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import lightning as L
import torch
from torch.utils.data import DataLoader, Sampler
from transformers import PreTrainedTokenizerBase

from calendar_ner.data.pipeline import CorpusConfig, build_corpus, load_splits
from calendar_ner.data.tokens import EventDataset, make_collate


class LengthGroupedSampler(Sampler[int]):
    """Shuffled indices arranged so each run of ``batch_size`` has similar lengths.

    Indices are shuffled, cut into mega-batches of ``50 * batch_size``, each sorted by length and
    cut into batches, and the batches shuffled again: less padding, still random order.

    The order depends only on ``seed`` and the epoch, so a run resumed mid-epoch replays it: a
    pass starts after the batches already trained on, as :meth:`skip_batches` or
    ``batches_done()`` (asked at the start of each pass) say.
    """

    def __init__(
        self,
        lengths: list[int],
        batch_size: int,
        seed: int = 0,
        batches_done: Callable[[], int] | None = None,
    ) -> None:
        self.lengths = lengths
        self.batch_size = batch_size
        self.seed = seed
        self.epoch = 0
        self.batches_done = batches_done
        self._skip = 0

    def skip_batches(self, batches: int) -> None:
        """Start the next pass ``batches`` batches in (a resumed epoch); later passes are whole."""
        self._skip = batches

    def set_epoch(self, epoch: int) -> None:
        """Called by Lightning at each epoch so the order changes between epochs."""
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self) -> Iterator[int]:
        rng = random.Random(self.seed + self.epoch)
        order = list(range(len(self.lengths)))
        rng.shuffle(order)
        mega = 50 * self.batch_size
        batches = []
        for start in range(0, len(order), mega):
            chunk = sorted(order[start : start + mega], key=self.lengths.__getitem__)
            batches += [
                chunk[i : i + self.batch_size] for i in range(0, len(chunk), self.batch_size)
            ]
        rng.shuffle(batches)
        order = [index for batch in batches for index in batch]
        skip = self._skip or (self.batches_done() if self.batches_done else 0)
        self._skip = 0
        skip *= self.batch_size
        return iter(order[skip:])


class CalendarDataModule(L.LightningDataModule):
    """Calendar requests → tokenized prompt/target batches with masked labels."""

    def __init__(
        self,
        corpus: CorpusConfig | None = None,
        tokenizer: PreTrainedTokenizerBase | None = None,
        max_length: int = 256,
        batch_size: int = 8,
        eval_batch_size: int = 16,
        num_workers: int = 0,
        group_by_length: bool = True,
        surface_datetime: bool = True,
    ) -> None:
        """
        Args:
            corpus: How the corpus is built (raw file, augmentation, splits).
            tokenizer: The model's tokenizer, handed in (the CLI passes the model's own, so data
                code never loads model files).
            max_length: Token budget per example; longer request texts are cut, never targets.
            batch_size: Training batch size.
            eval_batch_size: Validation/test batch size.
            num_workers: DataLoader worker processes.
            group_by_length: Batch training rows of similar length to cut padding.
            surface_datetime: Targets copy date/time as written; the schema canonicalizes them
                after decoding (False: targets hold ``DD/MM/YYYY`` and ``H:MM AM/PM``).
        """
        super().__init__()
        self.corpus = corpus or CorpusConfig()
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size
        self.num_workers = num_workers
        self.group_by_length = group_by_length
        self.surface_datetime = surface_datetime
        self.datasets: dict[str, EventDataset] = {}
        self.save_hyperparameters(ignore=["tokenizer"])

    def prepare_data(self) -> None:
        """Build (or reuse from the on-disk cache) the augmented corpus and its splits."""
        build_corpus(self.corpus)

    def setup(self, stage: str | None = None) -> None:
        """Tokenize the splits (once)."""
        if self.datasets:
            return
        if self.tokenizer is None:
            raise ValueError(
                "CalendarDataModule needs the model's tokenizer: CalendarDataModule(tokenizer=...)"
            )
        build_corpus(self.corpus)  # no-op when cached; covers callers that skip prepare_data
        self.datasets = {
            name: EventDataset(rows, self.tokenizer, self.max_length, self.surface_datetime)
            for name, rows in load_splits(self.corpus).items()
        }

    def _batches_done(self) -> int:
        """Batches of the current training epoch already run: after a mid-epoch resume, what the
        checkpoint's loop counters say (read when the epoch's pass starts, once Lightning has
        restored them), else 0."""
        trainer = self.trainer
        return 0 if trainer is None else trainer.fit_loop.epoch_loop.batch_progress.current.ready

    def _loader(self, name: str, batch_size: int, train: bool = False) -> DataLoader:
        dataset = self.datasets[name]
        sampler = None
        if train and self.group_by_length:
            sampler = LengthGroupedSampler(
                dataset.lengths(), batch_size, self.corpus.seed, batches_done=self._batches_done
            )
        return DataLoader(
            dataset,
            batch_size=batch_size,
            shuffle=train and sampler is None,
            sampler=sampler,
            collate_fn=make_collate(self.tokenizer.pad_token_id),
            num_workers=self.num_workers,
            # Its own generator: starting an epoch never draws from the global RNG, so dropout
            # after a resume sees the same random stream as an uninterrupted run.
            generator=torch.Generator().manual_seed(self.corpus.seed),
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", self.batch_size, train=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("eval", self.eval_batch_size)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", self.eval_batch_size)

    def predict_dataloader(self) -> DataLoader:
        return self._loader("test", self.eval_batch_size)
