"""End to end through the LightningCLI on a tiny random Llama (seconds on CPU)."""

import json
from pathlib import Path

import lightning as L
import pytest
import torch

from calendar_ner.__main__ import main
from calendar_ner.cli import CalendarCLI, run_cli
from calendar_ner.data.datamodule import CalendarDataModule
from calendar_ner.decode import DecodeConfig
from calendar_ner.models.card import model_card
from calendar_ner.models.module import CalendarNER
from tests.conftest import invented_rows

ROOT = Path(__file__).resolve().parents[1]
# Tiny Llama: hidden 64, kv heads 2 (kv dim 32), 2 layers; LoRA r=8 on q/k/v/o:
# q,o: 8*64 + 64*8 = 1024 each; k,v: 8*64 + 32*8 = 768 each -> 3584 per layer -> 7168.
TINY_LORA_PARAMS = 7168


def _args(raw_file, tmp_path, *extra):
    return [
        "--config",
        str(ROOT / "configs/default.yaml"),
        "--config",
        str(ROOT / "configs/debug.yaml"),
        f"--data.corpus.raw={raw_file}",
        f"--data.corpus.data_dir={tmp_path / 'data'}",
        f"--export.run_dir={tmp_path / 'run'}",
        f"--trainer.logger.init_args.save_dir={tmp_path / 'logs'}",
        *extra,
    ]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """One tiny fit shared by the tests that read its run folder (none of them change it)."""
    root = tmp_path_factory.mktemp("fitted")
    raw = root / "raw.jsonl"
    raw.write_text("".join(json.dumps(r) + "\n" for r in invented_rows()))
    cli = run_cli(["fit", *_args(raw, root)])
    return cli, root / "run"


def test_fit_writes_exactly_the_run_files(fitted, raw_file):
    cli, run = fitted
    trainable = sum(p.numel() for p in cli.model.parameters() if p.requires_grad)
    assert trainable == TINY_LORA_PARAMS
    names = sorted(p.name for p in run.iterdir())
    assert "last.ckpt" in names and any(n.startswith("best-") for n in names)
    assert sorted(p.name for p in (run / "adapter").iterdir()) == sorted(
        [
            "adapter_config.json",
            "adapter_model.safetensors",
            "calendar_ner.json",
            "config.yaml",
            "tokenizer.json",
            "tokenizer_config.json",
            "README.md",
            "chat_template.jinja",
        ]
    )
    meta = json.loads((run / "adapter" / "calendar_ner.json").read_text())
    assert meta["decode"] == DecodeConfig().to_dict()  # what extract decodes with
    card = (run / "adapter" / "README.md").read_text()  # ours, not PEFT's template
    assert "More Information Needed" not in card
    assert f"calendar_ner adapter for `{meta['base_model']}`" in card
    assert f"{TINY_LORA_PARAMS:,} trainable parameters" in card
    data_card = json.loads((run.parent / "data/processed/data_card.json").read_text())
    train = f"| train | {data_card['counts']['train']} | "
    assert train in card and f"Data card key `{data_card['key']}`" in card
    assert "| val/loss |" in card
    texts = [json.loads(line)["event_text"] for line in raw_file.read_text().splitlines()]
    assert not [t for t in texts if t in card]  # counts only, never rows
    adapter_config = json.loads((run / "adapter" / "adapter_config.json").read_text())
    assert adapter_config["base_model_name_or_path"] == meta["base_model"]  # no local path
    assert cli.trainer.precision == "32-true"
    assert cli.trainer.global_step == 4


def test_checkpoint_holds_adapter_only(fitted):
    cli, run = fitted
    state = torch.load(run / "last.ckpt", map_location="cpu", weights_only=False)["state_dict"]
    assert state and all("lora_" in k for k in state)
    assert sum(v.numel() for v in state.values()) == TINY_LORA_PARAMS


def test_exported_adapter_loads_with_peft(fitted):
    from peft import PeftModel

    from calendar_ner.models.weights import tiny_llama

    cli, run = fitted
    base = tiny_llama(len(cli.model.tokenizer))
    model = PeftModel.from_pretrained(base, run / "adapter")
    ours = dict(cli.model.model.named_parameters())
    for name, param in model.named_parameters():
        if "lora_" in name:
            assert torch.equal(param, ours[name])


def test_test_from_checkpoint_and_resume(fitted, raw_file, tmp_path):
    _, run = fitted
    cli = run_cli(["test", *_args(raw_file, tmp_path), f"--ckpt_path={run / 'last.ckpt'}"])
    metrics = cli.trainer.callback_metrics
    for key in ("test/loss", "test/json_validity", "test/field_f1", "test/exact_match"):
        assert key in metrics
    resumed = run_cli(
        [
            "fit",
            *_args(raw_file, tmp_path),
            "--trainer.max_epochs=3",
            f"--ckpt_path={run / 'last.ckpt'}",
        ]
    )
    assert resumed.trainer.global_step == 6


class _ParseOnly(CalendarCLI):
    def instantiate_classes(self) -> None:  # parse and validate, build nothing
        pass


@pytest.mark.parametrize("path", sorted((ROOT / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_config_parses(path):
    configs = [ROOT / "configs/default.yaml", path] if path.name != "default.yaml" else [path]
    cli = _ParseOnly(
        CalendarNER,
        CalendarDataModule,
        run=False,
        args=[a for c in configs for a in ("--config", str(c))],
    )
    assert cli.config.model.base_model
    assert cli.config.trainer.precision in ("32-true", "bf16-mixed", "16-mixed")


@pytest.mark.parametrize(
    "flag, message",
    [
        ("--model.adapter.r=0", "LoRA rank"),
        ("--trainer.precision=banana", "precision"),
        ("--model.base_model=./no/such/dir", "neither a local directory"),
        ("--model.base_model=NoSuchOrg/no-such-model", "bundled:smollm2-135m-instruct"),
        ("--data.corpus.raw=/no/such/file.jsonl", "--data.corpus.raw /no/such/file.jsonl: file"),
        ("--model.decode.copy_fields=[venue]", "unknown field(s) ['venue']"),
        ("--data.surface_datetime=false", "data.surface_datetime is false"),
        ("--data.corpus.undated=1.5", "undated must be in [0, 1)"),
    ],
)
def test_bad_config_fails_before_training(raw_file, tmp_path, flag, message, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # an unreachable hub must fail at once
    with pytest.raises((SystemExit, ValueError, RuntimeError, OSError)) as info:
        main(["fit", *_args(raw_file, tmp_path), flag])  # later flags override earlier ones
    text = str(info.value) + capsys.readouterr().err
    assert message in text


def test_ddp_on_cpu_runs_and_exports(raw_file, tmp_path):
    # Two gloo processes; metrics sync is covered in tests/test_metrics_ddp.py. ddp_fork, not
    # ddp_spawn: spawned workers run a full interpreter shutdown after fit, and there gloo
    # aborted one of them ("terminate called without an active exception") in ~1 run of 3;
    # forked workers leave with os._exit.
    cli = run_cli(
        [
            "fit",
            *_args(raw_file, tmp_path),
            "--trainer.strategy=ddp_fork",
            "--trainer.devices=2",
            "--trainer.limit_train_batches=2",
        ]
    )
    assert cli.trainer.world_size == 2
    assert (tmp_path / "run" / "adapter" / "adapter_model.safetensors").is_file()


class InterruptAt(L.Callback):
    """Simulates Ctrl-C after a given number of optimizer steps."""

    def __init__(self, step: int = 3) -> None:
        self.step = step

    def on_train_batch_end(self, trainer, *args) -> None:
        if trainer.global_step >= self.step:
            raise KeyboardInterrupt


def test_ctrl_c_leaves_resumable_last_checkpoint(raw_file, tmp_path):
    with pytest.raises(SystemExit):  # Lightning's graceful Ctrl-C shutdown exits non-zero
        run_cli(
            [
                "fit",
                *_args(raw_file, tmp_path),
                "--trainer.max_epochs=3",
                "--trainer.callbacks+=tests.test_cli.InterruptAt",
            ]
        )
    last = tmp_path / "run" / "last.ckpt"
    assert torch.load(last, map_location="cpu", weights_only=False)["global_step"] == 3
    resumed = run_cli(["fit", *_args(raw_file, tmp_path), f"--ckpt_path={last}"])
    assert resumed.trainer.global_step == 4


def test_wandb_logger_works_offline(raw_file, tmp_path, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    run_cli(
        [
            "fit",
            *_args(raw_file, tmp_path)[:-1],
            "--config",
            str(ROOT / "configs/wandb.yaml"),
            f"--trainer.logger.init_args.save_dir={tmp_path / 'logs'}",
        ]
    )
    assert list((tmp_path / "logs").rglob("offline-run-*"))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_qlora_on_cuda(raw_file, tmp_path):
    pytest.importorskip("bitsandbytes")
    cli = run_cli(
        [
            "fit",
            *_args(raw_file, tmp_path),
            "--config",
            str(ROOT / "configs/qlora.yaml"),
            "--model.base_model=bundled:smollm2-135m-instruct",
        ]
    )
    assert cli.trainer.precision == "bf16-mixed"
    assert any("4bit" in type(m).__name__ for m in cli.model.model.modules())


@pytest.mark.mps
@pytest.mark.skipif(not torch.backends.mps.is_available(), reason="needs Apple MPS")
def test_fit_on_mps(raw_file, tmp_path):
    cli = run_cli(["fit", *_args(raw_file, tmp_path), "--trainer.accelerator=mps"])
    assert cli.trainer.precision == "32-true"


def test_help_shows_the_docstring_under_each_field(capsys):
    with pytest.raises(SystemExit):
        main(["data", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "Number of Faker-synthesized rows added to the train split" in out
    assert "Share of synthetic rows whose date is relative" in out


def test_model_card_without_data_card_or_metrics():
    meta = {"base_model": "HuggingFaceTB/SmolLM-360M", "schema_version": "1"}
    config = {"r": 16, "lora_alpha": 32, "lora_dropout": 0.05, "target_modules": ["v_proj"]}
    card = model_card(meta, config, 1234)
    assert "# calendar_ner adapter for `HuggingFaceTB/SmolLM-360M`" in card
    assert "LoRA r=16, alpha=32, dropout 0.05 on v_proj; 1,234 trainable parameters." in card
    assert "## Training data" not in card and "## Final metrics" not in card
    synthetic = {"synthetic_only": True, "config": {"train_on_eval": True}, "counts": {"train": 5}}
    card = model_card(meta | {"metrics": {"val/loss": 0.5, "val/date_recall": 1.0}}, config, 1,
                      synthetic, val_rows=8)  # fmt: skip
    assert "Synthetic only" in card and "in-sample" in card and "| train | 5 |" in card
    assert "| val/loss | 0.5 |" in card and "date_recall" not in card
    assert "up to the first 8 rows" not in card  # no generation metrics to explain
    card = model_card(meta | {"metrics": {"val/exact_match": 0.5}}, config, 1, val_rows=8)
    assert "up to the first 8 rows" in card
    regex = config | {"target_modules": "all-linear"}
    assert "on all-linear;" in model_card(meta, regex, 1)
