"""Small, fast configurations of the seven autoencoders, shared by the tests.

Each test module picks its code size and hidden width: scikit-learn's checks
(tests/test_common.py) use 3 and 8; the backend and persistence round trips
4 and 16 (with a 3-number code, one LSTM code on JAX came out a float32 ulp
apart between a subset of rows and the full set).
"""

from skae import (
    ConvAutoencoder,
    DeepAutoencoder,
    DenoisingAutoencoder,
    DenseAutoencoder,
    SequenceAutoencoder,
    SparseAutoencoder,
    VariationalAutoencoder,
)


def fast_autoencoders(n_components, hidden, **params):
    """One small instance of each autoencoder; ``params`` go to every one."""
    return [
        DenseAutoencoder(n_components=n_components, **params),
        SparseAutoencoder(n_components=n_components, **params),
        DeepAutoencoder(hidden_layer_sizes=(hidden,), n_components=n_components, **params),
        # Tables of any width are read as 1 x w image strips; the code is the
        # flattened feature map.
        ConvAutoencoder(filters=(4, 2), **params),
        DenoisingAutoencoder(filters=(4,), n_components=n_components, **params),
        # 2-D tables are read as univariate sequences.
        SequenceAutoencoder(n_components=n_components, **params),
        # A 2-D latent space, the tutorial's.
        VariationalAutoencoder(hidden_layer_sizes=(hidden,), **params),
    ]
