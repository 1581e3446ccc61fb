"""The ``skae`` command line: ``skae tour`` (also ``python -m skae tour``)."""

from __future__ import annotations

import argparse
import os
import sys
import time


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive integer")
    return value


def build_parser():
    from . import SECTIONS  # the registry's sections: no Keras imported

    parser = argparse.ArgumentParser(
        prog="skae",
        description="scikit-learn compatible autoencoders on Keras 3.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    tour = sub.add_parser(
        "tour",
        help="train every model of 'Building Autoencoders in Keras' and write a report",
        description=(
            "Train the seven skae autoencoders (the sections of the Keras tutorial "
            "'Building Autoencoders in Keras'), compare each with PCA, and write an "
            "HTML report with the tutorial's figures. Default data: scikit-learn's "
            "8x8 digits (no download; about 3 minutes on 2 cores)."
        ),
    )
    tour.add_argument(
        "--data", metavar="PATH",
        help="train on MNIST from this mnist.npz (keras.datasets.mnist layout); "
        "'mnist' uses $SKAE_MNIST or Keras' cache/download",
    )
    tour.add_argument("--out", metavar="DIR", default="skae-tour",
                      help="report folder (default: %(default)s)")
    tour.add_argument("--sections", metavar="NAME", nargs="+", choices=list(SECTIONS),
                      help="run only these sections: " + ", ".join(SECTIONS))
    tour.add_argument("--epochs", type=_positive_int, metavar="N",
                      help="epochs for every model (default: the data set's recipe)")
    tour.add_argument("--random-state", type=int, default=0, metavar="SEED",
                      help="seed of models, noise and TSNE (default: %(default)s)")
    tour.add_argument("--quiet", action="store_true", help="print nothing but errors")
    return parser


def main(argv=None):
    """Entry point of the ``skae`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)  # --help and usage errors exit here, before any import
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before Keras is imported
    from ._report import markdown_table
    from ._run import run_tour

    def say(line):
        if not args.quiet:
            print(f"[{time.perf_counter() - start:6.1f} s] {line}", file=sys.stderr, flush=True)

    start = time.perf_counter()
    try:
        results = run_tour(
            args.data, args.out, sections=args.sections, epochs=args.epochs,
            random_state=args.random_state, progress=say,
        )
    except (OSError, ValueError) as exc:  # missing/unreadable data: no traceback
        parser.exit(1, f"skae tour: error: {exc}\n")
    if not args.quiet:
        print(markdown_table(results))
    return 0
