"""Small, fast configurations of every registered autoencoder, for the tests.

The family comes from the registry (``skae._registry.FAMILY``); this module
only says how to make each one small. A new autoencoder without an entry
here fails ``test_every_registered_autoencoder_has_a_fast_configuration``.

Each test module picks its code size and hidden width: scikit-learn's checks
(tests/test_common.py) use 3 and 8; the backend and persistence round trips
4 and 16 (with a 3-number code, one LSTM code on JAX came out a float32 ulp
apart between a subset of rows and the full set).
"""

import math

import keras

from skae._registry import estimator_classes


# Networks of a user's own, for Autoencoder(encoder=, decoder=) and the VAE:
# builders that take the shapes skae passes and a routed ``width``. Registered,
# so that skae.save stores them by name.
@keras.saving.register_keras_serializable(package="skae_tests")
def small_encoder(input_shape, n_components=3, width=8):
    """Any sample shape -> Flatten -> Dense(width) -> Dense(n_components)."""
    return keras.Sequential([
        keras.Input(input_shape), keras.layers.Flatten(),
        keras.layers.Dense(width, activation="elu"), keras.layers.Dense(n_components),
    ], name="small_encoder")


@keras.saving.register_keras_serializable(package="skae_tests")
def small_decoder(output_shape, n_components, width=8):
    """n_components -> Dense(width) -> one sample of ``output_shape``."""
    return keras.Sequential([
        keras.Input((n_components,)), keras.layers.Dense(width, activation="elu"),
        keras.layers.Dense(math.prod(output_shape)), keras.layers.Reshape(output_shape),
    ], name="small_decoder")


def _shapes(n_components, hidden):
    """Constructor arguments that make each autoencoder small, by name."""
    return {
        "DenseAutoencoder": dict(n_components=n_components),
        "SparseAutoencoder": dict(n_components=n_components),
        "DeepAutoencoder": dict(hidden_layer_sizes=(hidden,), n_components=n_components),
        # Tables of any width are read as 1 x w image strips; the code is the
        # flattened feature map.
        "ConvAutoencoder": dict(filters=(4, 2)),
        "DenoisingAutoencoder": dict(filters=(4,), n_components=n_components),
        # 2-D tables are read as univariate sequences.
        "SequenceAutoencoder": dict(n_components=n_components, units=hidden),
        # A 2-D latent space, the tutorial's.
        "VariationalAutoencoder": dict(hidden_layer_sizes=(hidden,)),
        # Networks of the user's own, through the builder protocol.
        # (Routed widths would be attributes that scikit-learn's
        # check_no_attributes_set_in_init flags, as it would scikeras' routed
        # parameters: the builders' default width is small instead.)
        "Autoencoder": dict(encoder=small_encoder, decoder=small_decoder,
                            n_components=n_components),
    }


def fast_autoencoders(n_components, hidden, **params):
    """One small instance of each registered autoencoder; ``params`` go to every one."""
    shapes = _shapes(n_components, hidden)
    return [
        cls(**shapes[name], **params)
        for name, cls in estimator_classes("autoencoder").items()
    ]
