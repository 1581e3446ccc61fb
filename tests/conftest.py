import os

# Quiet TensorFlow's C++ start-up logs (before anything imports it); keep
# Python warnings visible.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's 8x8 digits scaled to [0, 1], and their labels."""
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y
