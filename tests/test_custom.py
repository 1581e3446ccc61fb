"""Networks of the user's own: Autoencoder(encoder=, decoder=) and the VAE's.

The builder protocol and routing, untouched instances, the shape errors,
persistence of registered (and refusal of unregistered) layers, and the
rest of the estimator's API over custom networks. scikit-learn's checks run
over both Autoencoder() and a custom-network Autoencoder in test_common.py.
"""

import math
import pickle

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

import skae
from skae import Autoencoder, AutoencoderOutlierDetector, DeepAutoencoder, VariationalAutoencoder

from _fast import small_decoder, small_encoder

FAST = dict(epochs=2, batch_size=64, random_state=0)


@pytest.fixture(scope="module")
def X(digits):
    return digits[0][:300]


@keras.saving.register_keras_serializable(package="skae_tests")
class Scale(keras.layers.Layer):
    """A registered layer of the user's own: multiplies by a constant."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return self.factor * x

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class Unregistered(keras.layers.Layer):
    def call(self, x):
        return x


def dense_net(n_in, n_out, *layers):
    return keras.Sequential([keras.Input((n_in,)), *layers, keras.layers.Dense(n_out)])


def conv_encoder(input_shape, n_components):
    """8x8 images -> a strided convolution -> the code."""
    return keras.Sequential([
        keras.Input(input_shape), keras.layers.Reshape((*input_shape, 1)),
        keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
        keras.layers.Flatten(), keras.layers.Dense(n_components),
    ])


def conv_decoder(output_shape, n_components):
    """The code -> a transposed convolution -> (8, 8, 1), with its own sigmoid."""
    h, w = output_shape
    return keras.Sequential([
        keras.Input((n_components,)),
        keras.layers.Dense(h // 2 * w // 2 * 4, activation="relu"),
        keras.layers.Reshape((h // 2, w // 2, 4)),
        keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid"),
    ])


# -- the protocol -------------------------------------------------------------------
def test_default_autoencoder_is_the_deep_autoencoder(X):
    ae = Autoencoder(n_components=4, **FAST).fit(X)
    deep = DeepAutoencoder(n_components=4, **FAST).fit(X)
    assert ae.n_components_ == 4
    np.testing.assert_array_equal(ae.transform(X), deep.transform(X))
    assert Autoencoder(**FAST).fit(X).n_components_ == 32  # DeepAutoencoder's default


def test_builders_get_the_arguments_they_declare(X):
    seen = {}

    def encoder(input_shape, n_components, **kwargs):
        seen["encoder"] = dict(input_shape=input_shape, n_components=n_components, **kwargs)
        return small_encoder(input_shape, n_components)

    def decoder(output_shape, depth=1):  # no n_components: the code size is implied
        seen["decoder"] = dict(output_shape=output_shape, depth=depth)
        return small_decoder(output_shape, n_components=5)

    ae = Autoencoder(encoder, decoder, n_components=5, decoder__depth=2, **FAST).fit(X)
    assert seen["encoder"] == dict(input_shape=(64,), output_shape=(64,), n_components=5)
    assert seen["decoder"] == dict(output_shape=(64,), depth=2)
    assert ae.transform(X).shape == (300, 5)


def test_grid_search_over_a_routed_builder_parameter(X):
    search = GridSearchCV(
        Autoencoder(small_encoder, small_decoder, n_components=3, epochs=1, random_state=0),
        {"encoder__width": [2, 16]}, cv=2,
    ).fit(X)
    assert search.best_params_ == {"encoder__width": 16}  # 2 hidden units cannot compete
    hidden = search.best_estimator_.encoder_.get_layer("small_encoder").layers[1]
    assert hidden.units == 16


def test_instances_are_copied_not_mutated(X):
    encoder = small_encoder((64,), 6)
    decoder = small_decoder((64,), 6)
    before = [w.copy() for w in encoder.get_weights() + decoder.get_weights()]
    ae = Autoencoder(encoder, decoder, **FAST).fit(X)
    after = encoder.get_weights() + decoder.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
    assert ae.n_components_ == 6  # read from the encoder
    assert ae.encoder is encoder  # the parameter itself is kept as given
    copy = clone(ae)
    assert copy.encoder is not encoder and not hasattr(copy, "model_")
    np.testing.assert_array_equal(copy.encoder.get_weights()[0], encoder.get_weights()[0])


def test_a_pretrained_encoder_is_the_starting_point(X):
    encoder = small_encoder((64,), 3)
    ae = Autoencoder(encoder, learning_rate_init=1e-12, **FAST).fit(X)
    np.testing.assert_allclose(ae.transform(X), encoder.predict(X, verbose=0), atol=1e-5)


def test_clone_copies_layers_that_keras_cannot_deserialize(X):
    encoder = dense_net(64, 3, Unregistered())
    copy = clone(Autoencoder(encoder))
    assert isinstance(copy.encoder.layers[0], Unregistered)


@keras.saving.register_keras_serializable(package="skae_tests")
class SubclassedEncoder(keras.Model):
    """A subclassed model, usable as an instance (it has a get_config) and
    as a builder class (Keras' own **kwargs must not receive input_shape)."""

    def __init__(self, n_components=3, **kwargs):
        super().__init__(**kwargs)
        self.n_components = n_components
        self.hidden = keras.layers.Dense(8, activation="elu")
        self.code = keras.layers.Dense(n_components)

    def call(self, x):
        return self.code(self.hidden(x))

    def get_config(self):
        return {**super().get_config(), "n_components": self.n_components}


def test_subclassed_models_as_instances_and_as_builders(X, tmp_path):
    pretrained = SubclassedEncoder(3)
    pretrained(X[:2])  # built, with weights
    ae = Autoencoder(pretrained, **FAST).fit(X)
    assert ae.n_components_ == 3
    copy = clone(ae).encoder
    np.testing.assert_array_equal(copy.get_weights()[0], pretrained.get_weights()[0])
    built = Autoencoder(SubclassedEncoder, n_components=4, **FAST).fit(X)
    assert built.transform(X).shape == (300, 4)
    again = skae.load(skae.save(built, tmp_path / "class.skae"))
    assert again.encoder is SubclassedEncoder
    np.testing.assert_array_equal(again.transform(X), built.transform(X))


# -- errors users can cause -----------------------------------------------------------
def test_shape_errors_state_both_shapes(X):
    def not_a_vector(input_shape):
        return keras.Sequential([keras.Input(input_shape), keras.layers.Reshape((8, 8))])

    with pytest.raises(ValueError, match=r"one vector per sample.*shape \(8, 8\)"):
        Autoencoder(not_a_vector, epochs=1).fit(X)
    with pytest.raises(ValueError, match=r"outputs samples of shape \(10,\).*shape \(64,\)"):
        Autoencoder(decoder=dense_net(4, 10), n_components=4, epochs=1).fit(X)
    with pytest.raises(ValueError, match=r"takes inputs of shape \(5,\).*\(4,\)"):
        Autoencoder(decoder=dense_net(5, 64), n_components=4, epochs=1).fit(X)
    with pytest.raises(ValueError, match=r"takes inputs of shape \(32,\).*\(64,\)"):
        Autoencoder(dense_net(32, 4), epochs=1).fit(X)
    with pytest.raises(ValueError, match="n_components=3, but its encoder outputs codes of 4"):
        Autoencoder(dense_net(64, 4), n_components=3, epochs=1).fit(X)
    with pytest.raises(ValueError, match=r"decoder outputs samples of shape \(10,\)"):
        VariationalAutoencoder(decoder=dense_net(2, 10), epochs=1).fit(X)
    inputs = keras.Input((64,))
    two = keras.Model(inputs, [keras.layers.Dense(2)(inputs), keras.layers.Dense(2)(inputs)])
    with pytest.raises(ValueError, match=r"one vector per sample.*\[\(2,\), \(2,\)\]"):
        Autoencoder(two, epochs=1).fit(X)
    with pytest.raises(ValueError, match="one tensor of features.*outputs 2"):
        VariationalAutoencoder(encoder=two, epochs=1).fit(X)


def test_a_subclassed_model_without_get_config_is_a_clear_error(X):
    class NoConfig(keras.Model):
        def __init__(self, units):
            super().__init__()
            self.dense = keras.layers.Dense(units)

        def call(self, x):
            return self.dense(x)

    net = NoConfig(3)
    net(X[:2])
    with pytest.raises(TypeError, match="(?s)Cannot copy the NoConfig model.*get_config"):
        Autoencoder(net, epochs=1).fit(X)


def test_routing_errors_name_the_parameter(X):
    with pytest.raises(TypeError, match=r"'encoder__depth'.*takes no such argument.*'width'"):
        Autoencoder(small_encoder, encoder__depth=2, epochs=1).fit(X)
    with pytest.raises(TypeError, match="encoder is a Keras model instance"):
        Autoencoder(small_encoder((64,), 3), encoder__width=4, epochs=1).fit(X)
    with pytest.raises(TypeError, match="decoder=None"):
        Autoencoder(decoder__width=4, epochs=1).fit(X)
    with pytest.raises(TypeError, match="Did you mean 'encoder__width'"):
        Autoencoder(small_encoder, encodr__width=4, epochs=1).fit(X)
    with pytest.raises(TypeError, match="returned int, not a keras.Model"):
        Autoencoder(lambda: 3, epochs=1).fit(X)
    with pytest.raises(TypeError, match="'encoder' parameter of Autoencoder must be"):
        Autoencoder(encoder="conv", epochs=1).fit(X)
    with pytest.raises(TypeError, match="got the layer Dense: wrap it"):
        Autoencoder(encoder=keras.layers.Dense(3), epochs=1).fit(X)


# -- the output rule, images, training modes ---------------------------------------------
def test_images_and_a_decoder_with_its_own_sigmoid(digits):
    images = digits[0][:300].reshape(-1, 8, 8)
    ae = Autoencoder(conv_encoder, conv_decoder, n_components=6, **FAST).fit(images)
    assert ae.loss_ == "binary_crossentropy" and ae.output_activation_ == "sigmoid"
    codes = ae.transform(images)
    recon = ae.inverse_transform(codes)
    assert recon.shape == (300, 8, 8)
    # No second sigmoid on top of the decoder's: decoding is the net itself.
    net = ae.decoder_.layers[1]
    np.testing.assert_allclose(recon, net.predict(codes, verbose=0)[..., 0], atol=1e-6)
    assert 0.0 < recon.min() and recon.max() < 1.0


def test_an_activation_before_a_reshape_or_in_a_nested_model_is_kept(X):
    images = X.reshape(-1, 8, 8)
    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(64, activation="sigmoid")])
    for decoder in (
        keras.Sequential([keras.Input((3,)), keras.layers.Dense(64, activation="sigmoid"),
                          keras.layers.Reshape((8, 8))]),
        keras.Sequential([keras.Input((3,)), inner, keras.layers.Reshape((8, 8, 1))]),
    ):
        ae = Autoencoder(decoder=decoder, n_components=3, **FAST).fit(images)
        assert ae.output_activation_ == "sigmoid"
        codes = ae.transform(images[:20])
        net = ae.decoder_.layers[1]
        np.testing.assert_allclose(
            ae.inverse_transform(codes).reshape(20, 64),
            net.predict(codes, verbose=0).reshape(20, 64), atol=1e-6)


def test_signals_with_free_input_sizes(X):
    def conv1d_encoder(n_components):  # a 1-D conv for signals of any length
        return keras.Sequential([
            keras.Input((None, 1)), keras.layers.Conv1D(4, 3, strides=2, activation="relu"),
            keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(n_components)])

    ae = Autoencoder(conv1d_encoder, n_components=3, **FAST).fit(X)
    assert ae.transform(X).shape == (300, 3)


def test_partial_fit_warm_start_and_sample_weight(X):
    ae = Autoencoder(small_encoder, small_decoder, n_components=3, **FAST)
    ae.partial_fit(X)
    first = ae.score(X)
    model = ae.model_
    ae.partial_fit(X)
    assert ae.model_ is model and ae.score(X) != first
    ae.set_params(warm_start=True).fit(X)
    assert ae.model_ is model
    weights = np.r_[np.ones(150), np.zeros(150)]
    weighted = clone(ae).set_params(warm_start=False).fit(X, sample_weight=weights)
    halved = clone(ae).set_params(warm_start=False).fit(X[:150])
    np.testing.assert_allclose(weighted.transform(X), halved.transform(X), atol=1e-5)


def test_detector_set_output_and_plots(X, digits):
    pd = pytest.importorskip("pandas")
    ae = Autoencoder(small_encoder, small_decoder, n_components=3, **FAST)
    det = AutoencoderOutlierDetector(ae, contamination=0.1).fit(X)
    assert set(np.unique(det.predict(X))) == {-1, 1}
    frame = pd.DataFrame(X, columns=[f"px{i}" for i in range(64)])
    codes = clone(ae).set_output(transform="pandas").fit(frame).transform(frame)
    assert list(codes.columns) == ["autoencoder0", "autoencoder1", "autoencoder2"]
    from skae.plotting import plot_reconstructions

    images = digits[0][:100].reshape(-1, 8, 8)
    conv = Autoencoder(conv_encoder, conv_decoder, n_components=4, **FAST).fit(images)
    fig = plot_reconstructions(images, conv.inverse_transform(conv.transform(images)))
    assert len(fig.axes) == 20


# -- the VAE around networks of the user's own -------------------------------------------
def test_vae_adds_heads_to_a_custom_encoder(digits):
    images = digits[0][:300].reshape(-1, 8, 8)

    def features(input_shape):  # a feature map, not a vector: skae flattens it
        return keras.Sequential([
            keras.Input(input_shape), keras.layers.Reshape((*input_shape, 1)),
            keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
        ])

    vae = VariationalAutoencoder(n_components=2, encoder=features, decoder=conv_decoder,
                                 beta=0.5, **FAST).fit(images)
    assert [o.shape[-1] for o in vae.encoder_.outputs] == [2, 2]  # z_mean, z_log_var
    assert vae.transform(images).shape == (300, 2)
    assert vae.sample(3, random_state=0).shape == (3, 8, 8)
    elbo = vae.score_samples(images)
    assert elbo.shape == (300,) and np.isclose(elbo.mean(), vae.score(images))
    # No PPCA linear paths beside networks of the user's own.
    assert "linear" not in [layer.name for layer in vae.encoder_.layers]


# -- persistence -----------------------------------------------------------------------------
def test_round_trips_of_instances_with_a_registered_layer(X, tmp_path):
    sio = pytest.importorskip("skops.io")
    encoder = dense_net(64, 3, Scale(0.5))
    ae = Autoencoder(encoder, small_decoder, **FAST).fit(X)
    codes = ae.transform(X)
    loaded = skae.load(skae.save(ae, tmp_path / "ae.skae"))
    data = sio.dumps(ae)
    for again in (loaded, pickle.loads(pickle.dumps(ae)),
                  sio.loads(data, trusted=sio.get_untrusted_types(data=data))):
        np.testing.assert_array_equal(again.transform(X), codes)
        assert isinstance(again.encoder.layers[0], Scale)
        np.testing.assert_array_equal(again.encoder.get_weights()[0], encoder.get_weights()[0])


def test_unregistered_layers_and_builders_are_refused_at_save(X, tmp_path):
    ae = Autoencoder(dense_net(64, 3, Unregistered()), **FAST).fit(X)
    for save in (lambda: skae.save(ae, tmp_path / "a.skae"), lambda: pickle.dumps(ae)):
        with pytest.raises(ValueError, match="Unregistered.*register_keras_serializable"):
            save()

    def my_activation(x):
        return x

    ae = Autoencoder(dense_net(64, 3, keras.layers.Dense(4, activation=my_activation)),
                     **FAST).fit(X)
    with pytest.raises(ValueError, match="function 'my_activation'.*register_keras_serializable"):
        pickle.dumps(ae)
    ae = Autoencoder(dense_net(64, 3, keras.layers.Lambda(lambda t: 2 * t)), **FAST).fit(X)
    with pytest.raises(ValueError, match="Lambda layer or a Python lambda"):
        skae.save(ae, tmp_path / "l.skae")

    def builder(input_shape, n_components):
        return small_encoder(input_shape, n_components)

    ae = Autoencoder(builder, n_components=2, **FAST).fit(X)
    with pytest.raises(ValueError, match="function .*builder.*register_keras_serializable"):
        skae.save(ae, tmp_path / "b.skae")
    assert not list(tmp_path.iterdir())  # nothing half-written
    # pickle stores a module-level function by reference.
    registered = Autoencoder(small_encoder, small_decoder, n_components=2, **FAST).fit(X)
    again = skae.load(skae.save(registered, tmp_path / "c.skae"))
    assert again.encoder is small_encoder
    np.testing.assert_array_equal(again.transform(X), registered.transform(X))
    assert math.isclose(again.score(X), registered.score(X))
