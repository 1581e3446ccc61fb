"""Every script under examples/ runs, headless, and writes what it says.

Two epochs each: this checks that the scripts work, not how well the models
learn (the benchmarks and the tour's report do that).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# Script -> the files it must write into --out.
WRITES = {
    "simple_autoencoder.py": ["simple_reconstructions.png", "simple_codes.png"],
    "sparse_autoencoder.py": ["sparse_codes_DenseAutoencoder.png",
                              "sparse_codes_SparseAutoencoder.png"],
    "deep_autoencoder.py": ["deep_reconstructions.png", "deep_history.png"],
    "conv_autoencoder.py": ["conv_reconstructions.png", "conv_codes.png"],
    "denoising_autoencoder.py": ["denoising.png"],
    "sequence_autoencoder.py": ["sequence_reconstructions.png"],
    "variational_autoencoder.py": ["vae_latent.png", "vae_manifold.png", "vae_samples.png"],
    "autoencoder_tsne.py": ["tsne_autoencoder.png", "tsne_pca.png"],
    "grid_search_pca_vs_autoencoder.py": ["grid_search.csv"],
    "quickstart.py": [],
    "custom_architecture.py": ["custom_reconstructions.png"],
}


def test_every_example_is_listed():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(WRITES)


def run(script, *args):
    env = dict(os.environ, MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, str(EXAMPLES / script), *args],
                          capture_output=True, text=True, timeout=600, env=env)


@pytest.mark.parametrize("script", sorted(WRITES))
def test_example_runs(script, tmp_path):
    args = ["--epochs", "2"] + ([] if script == "quickstart.py" else ["--out", str(tmp_path)])
    done = run(script, *args)
    assert done.returncode == 0, done.stderr[-3000:]
    for name in WRITES[script]:
        assert (tmp_path / name).stat().st_size > 0, name
    assert "Traceback" not in done.stderr


def test_conv_example_logs_to_tensorboard(tmp_path):
    pytest.importorskip("tensorboard")
    done = run("conv_autoencoder.py", "--epochs", "1", "--out", str(tmp_path),
               "--tensorboard", str(tmp_path / "logs"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert list((tmp_path / "logs" / "train").glob("events.out.tfevents.*"))


def test_examples_refuse_bad_arguments():
    done = run("simple_autoencoder.py", "--epochs", "many")
    assert done.returncode == 2 and "invalid int value: 'many'" in done.stderr
