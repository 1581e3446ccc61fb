# Environment settings live in the root conftest.py (doctests need them too).
import pytest
from sklearn.datasets import load_digits


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's 8x8 digits scaled to [0, 1], and their labels."""
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y
