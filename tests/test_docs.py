"""The documentation builds without a warning and says what the code does."""

import subprocess
import sys
from pathlib import Path

import skae
import skae.datasets
import skae.metrics
import skae.plotting
from skae._registry import FAMILY

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_sphinx_build_has_no_warnings(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-q",
         str(DOCS), str(tmp_path / "html")],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-5000:]
    for page in ["index", "user_guide", "api", "tour", "examples", "benchmarks"]:
        assert (tmp_path / "html" / f"{page}.html").is_file()


def test_api_reference_lists_everything_public():
    api = (DOCS / "api.rst").read_text()
    names = [n for n in skae.__all__ if n != "__version__"]
    names += skae.plotting.__all__ + skae.metrics.__all__
    names += ["load_digit_images", "load_images", "load_mnist", "run_tour"]
    missing = [n for n in names if f":: {n}" not in api]
    assert missing == []
    # Every registered estimator is public and documented (the registry is
    # the one list of the family).
    assert {e.name for e in FAMILY} <= set(skae.__all__)


def test_command_line_help_in_the_docs_is_current(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")  # argparse wraps to the terminal
    from skae.tour.cli import build_parser

    help_text = build_parser()._subparsers._group_actions[0].choices["tour"].format_help()
    api = (DOCS / "api.rst").read_text()
    documented = "\n".join(line[3:] for line in api.split(".. code-block:: text\n\n")[1]
                           .splitlines())
    assert help_text.strip() == documented.strip()
