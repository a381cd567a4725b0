"""`synthesize --method vae` and its training options."""

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from synthlearn.cli.main import app


def _csv(tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=60), "label": rng.choice(["a", "b"], 60)})
    path = tmp_path / "real.csv"
    df.to_csv(path, index=False)
    return path


def test_vae_method_trains_and_writes(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["synthesize", str(_csv(tmp_path)), "--method", "vae", "--epochs", "3",
                                      "--batch-size", "16", "--device", "cpu", "--target", "label", "--rows", "25",
                                      "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(out / "synthetic.parquet")) == 25
    assert (out / "model" / "synthesizer.json").is_file()
    more = tmp_path / "more.csv"
    again = CliRunner().invoke(app, ["sample", str(out / "model"), "--rows", "7", "--out", str(more), "--quiet"])
    assert again.exit_code == 0 and len(pd.read_csv(more)) == 7


def test_epochs_with_a_non_neural_method_is_refused(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["synthesize", str(_csv(tmp_path)), "--method", "cart", "--epochs", "3",
                                      "--out", str(out)])
    assert result.exit_code == 1
    assert "--epochs" in result.stderr and not out.exists()


def test_bad_training_options_are_named_as_typed(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["synthesize", str(_csv(tmp_path)), "--method", "vae", "--epochs", "0",
                                      "--out", str(out)])
    assert result.exit_code == 1
    assert "error: --epochs must be a positive integer, got 0" in result.stderr and not out.exists()


def test_unavailable_device_is_refused(tmp_path):
    import torch

    if torch.cuda.is_available():
        return
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["synthesize", str(_csv(tmp_path)), "--method", "vae", "--device", "cuda",
                                      "--out", str(out)])
    assert result.exit_code == 1 and "--device 'cuda'" in result.stderr
    assert not (out / "synthetic.parquet").exists()


def test_plain_sample_streams_and_is_reproducible(tmp_path):
    out = tmp_path / "out"
    assert CliRunner().invoke(app, ["synthesize", str(_csv(tmp_path)), "--out", str(out), "-q"]).exit_code == 0
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    for path in (a, b):
        result = CliRunner().invoke(app, ["sample", str(out / "model"), "--rows", "1500", "--seed", "4",
                                          "--out", str(path), "-q"])
        assert result.exit_code == 0, result.output
    pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b))
    assert len(pd.read_parquet(a)) == 1500


def test_huge_row_counts_are_refused_before_any_work(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["synthesize", str(_csv(tmp_path)), "--rows", "100000000000", "--out", str(out)])
    assert result.exit_code == 1 and "synthlearn sample" in result.stderr and not out.exists()
