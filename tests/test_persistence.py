"""skae.save / skae.load: exact round trips, and every refusal."""

import json
import pickle
import types
import zipfile

import keras
import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError

import skae
from skae import (
    AutoencoderOutlierDetector,
    ConvAutoencoder,
    DenoisingAutoencoder,
    DenseAutoencoder,
    SkaeFileError,
    VariationalAutoencoder,
)

from _fast import fast_autoencoders

FAST = dict(epochs=2, batch_size=64, random_state=0)

ESTIMATORS = fast_autoencoders(n_components=4, hidden=16, **FAST)


@pytest.fixture(scope="module")
def X(digits):
    return digits[0][:300]


def _ids(est):
    return type(est).__name__


@pytest.fixture(scope="module", params=ESTIMATORS, ids=_ids)
def saved(request, X, tmp_path_factory):
    """A fitted estimator, its loaded copy, and the file."""
    est = keras_clone(request.param).fit(X)
    path = skae.save(est, tmp_path_factory.mktemp("save") / "model.skae")
    return est, skae.load(path), path


def keras_clone(est):
    from sklearn.base import clone

    return clone(est)


# -- round trips ---------------------------------------------------------------
def test_round_trip_is_bitwise_identical(saved, X):
    est, loaded, _ = saved
    assert type(loaded) is type(est)
    codes = est.transform(X)
    np.testing.assert_array_equal(loaded.transform(X), codes)
    np.testing.assert_array_equal(loaded.inverse_transform(codes), est.inverse_transform(codes))
    np.testing.assert_array_equal(loaded.score_samples(X), est.score_samples(X))
    assert loaded.score(X) == est.score(X)
    if isinstance(est, VariationalAutoencoder):
        np.testing.assert_array_equal(
            loaded.sample(7, random_state=3), est.sample(7, random_state=3)
        )
    if isinstance(est, DenoisingAutoencoder):
        noisy = est.corrupt(X, random_state=1)
        np.testing.assert_array_equal(loaded.denoise(noisy), est.denoise(noisy))
        assert loaded.data_range_ == est.data_range_


def test_round_trip_keeps_params_and_attributes(saved):
    est, loaded, _ = saved
    assert loaded.get_params() == est.get_params()
    for key, value in vars(est).items():
        if key.endswith("_") and key not in ("model_", "encoder_", "decoder_"):
            got = getattr(loaded, key)
            assert type(got) is type(value), key
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(got, value)
            else:
                assert got == value, key
    assert loaded.history_ == est.history_
    # encoder_ and decoder_ are model_'s layers again: one set of weights.
    assert loaded.encoder_ is loaded.model_.get_layer("encoder")
    assert loaded.decoder_ is loaded.model_.get_layer("decoder")


def test_loaded_estimator_keeps_training_like_the_original(saved, X):
    est, _, path = saved
    original, loaded = keras_clone(est).fit(X), skae.load(path)
    # Warm start continues from the saved weights and optimizer state.
    for model in (original, loaded):
        model.set_params(warm_start=True).fit(X)
        model.partial_fit(X)
    np.testing.assert_array_equal(loaded.transform(X), original.transform(X))
    # A cold fit starts over.
    refit = skae.load(path).set_params(epochs=1).fit(X)
    assert len(refit.history_["loss"]) == 1


def test_loaded_estimator_pickles(saved, X):
    _, loaded, _ = saved
    again = pickle.loads(pickle.dumps(loaded))
    np.testing.assert_array_equal(again.transform(X), loaded.transform(X))


# -- the state protocol: pickle and skops ------------------------------------------
def _plain(value):
    """Whether ``value`` is made of what skops and JSON-like walkers trust."""
    if value is None or isinstance(value, (bool, int, float, str, bytes, np.ndarray, np.generic)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def _builders(est):
    """The builder functions among the parameters (Autoencoder's networks):
    stored by reference, as any function is."""
    return {k: v for k, v in est.get_params().items() if isinstance(v, types.FunctionType)}


def test_state_is_plain_with_the_model_as_keras_bytes(saved):
    est, _, _ = saved
    state = est.__getstate__()
    for key in _builders(est):
        del state[key]
    assert not {"model_", "encoder_", "decoder_"} & set(state)
    assert state["_keras_model"][:2] == b"PK"  # a .keras (zip) archive
    assert _plain(state), {k: type(v) for k, v in state.items() if not _plain(v)}
    assert "model_" in vars(est)  # reading the state changes nothing


def test_pickle_needs_no_global_keras_patch(saved, X, monkeypatch):
    # scikeras patches keras.Model.__reduce__ process-wide; skae's state
    # carries its own .keras bytes instead.
    est, _, _ = saved

    def refuse(self, *args):
        raise AssertionError("keras.Model pickled")

    monkeypatch.setattr(keras.Model, "__reduce__", refuse)
    monkeypatch.setattr(keras.Model, "__reduce_ex__", refuse, raising=False)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.transform(X), est.transform(X))


def _skops_round_trip(obj, expected_untrusted):
    sio = pytest.importorskip("skops.io")
    data = sio.dumps(obj)
    untrusted = sio.get_untrusted_types(data=data)
    assert sorted(untrusted) == sorted(expected_untrusted)
    with pytest.raises(Exception, match="[Uu]ntrusted"):
        sio.loads(data)  # skops refuses what was not trusted explicitly
    return sio.loads(data, trusted=untrusted)


def _type_name(obj):
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def test_skops_round_trip_is_bitwise(saved, X):
    est, _, _ = saved
    builders = [f"{f.__module__}.{f.__qualname__}" for f in _builders(est).values()]
    loaded = _skops_round_trip(est, [_type_name(est), *builders])
    assert loaded.get_params() == est.get_params()
    np.testing.assert_array_equal(loaded.transform(X), est.transform(X))
    np.testing.assert_array_equal(loaded.score_samples(X), est.score_samples(X))
    if isinstance(est, VariationalAutoencoder):
        np.testing.assert_array_equal(loaded.sample(3, random_state=0), est.sample(3, random_state=0))


def test_skops_round_trip_of_a_detector_and_a_pipeline(X, digits):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    det = AutoencoderOutlierDetector(DenseAutoencoder(n_components=2, **FAST), p=3).fit(X)
    loaded = _skops_round_trip(det, [_type_name(det), _type_name(det.autoencoder)])
    np.testing.assert_array_equal(loaded.decision_function(X), det.decision_function(X))

    pipe = make_pipeline(
        MinMaxScaler(), skae.DeepAutoencoder((16,), n_components=4, **FAST),
        LogisticRegression(max_iter=500),
    ).fit(X, digits[1][: len(X)])
    loaded = _skops_round_trip(pipe, [_type_name(pipe[1])])
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    np.testing.assert_array_equal(loaded[:-1].transform(X), pipe[:-1].transform(X))


def test_round_trip_of_images_and_feature_names(tmp_path, digits):
    pd = pytest.importorskip("pandas")
    images = digits[0][:100].reshape(-1, 8, 8)
    conv = ConvAutoencoder(filters=(4,), **FAST).fit(images)
    loaded = skae.load(skae.save(conv, tmp_path / "conv.skae"))
    assert loaded.sample_shape_ == (8, 8) and loaded.image_shape_ == conv.image_shape_
    assert loaded.inverse_transform(loaded.transform(images)).shape == (100, 8, 8)

    frame = pd.DataFrame(digits[0][:100], columns=[f"px{i}" for i in range(64)])
    dense = DenseAutoencoder(n_components=2, **FAST).fit(frame)
    loaded = skae.load(skae.save(dense, tmp_path / "dense.skae"))
    np.testing.assert_array_equal(loaded.feature_names_in_, dense.feature_names_in_)
    np.testing.assert_array_equal(loaded.transform(frame), dense.transform(frame))


def test_round_trip_of_keras_object_params(tmp_path, X):
    est = DenseAutoencoder(
        n_components=2,
        activation=keras.activations.tanh,
        loss=keras.losses.BinaryCrossentropy(label_smoothing=0.1),
        optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.5),
        random_state=np.random.RandomState(4),
        epochs=2,
    ).fit(X)
    loaded = skae.load(skae.save(est, tmp_path / "m.skae"))
    params, loaded_params = est.get_params(), loaded.get_params()
    assert loaded_params["activation"] is keras.activations.tanh
    for key in ("loss", "optimizer"):
        assert type(loaded_params[key]) is type(params[key])
        assert loaded_params[key].get_config() == params[key].get_config()
    state, loaded_state = params["random_state"].get_state(), loaded_params["random_state"].get_state()
    np.testing.assert_array_equal(loaded_state[1], state[1])
    assert loaded_state[2:] == state[2:]
    np.testing.assert_array_equal(loaded.score_samples(X), est.score_samples(X))

    cls_param = DenseAutoencoder(
        n_components=2, optimizer=keras.optimizers.Adam, optimizer__amsgrad=True, epochs=1
    ).fit(X)
    loaded = skae.load(skae.save(cls_param, tmp_path / "cls.skae"))
    assert loaded.get_params() == cls_param.get_params()
    assert loaded.optimizer is keras.optimizers.Adam and loaded.optimizer__amsgrad is True
    assert loaded.model_.optimizer.amsgrad is True


@pytest.mark.parametrize("p", [None, 3, np.inf])
def test_detector_round_trip(tmp_path, X, p):
    det = AutoencoderOutlierDetector(
        VariationalAutoencoder(hidden_layer_sizes=(8,), **FAST), contamination=0.05, p=p
    ).fit(X)
    loaded = skae.load(skae.save(det, tmp_path / "det.skae"))
    assert loaded.get_params()["autoencoder"].get_params() == det.autoencoder.get_params()
    assert loaded.p == p
    assert loaded.threshold_ == det.threshold_ and loaded.offset_ == det.offset_
    np.testing.assert_array_equal(loaded.decision_function(X), det.decision_function(X))
    np.testing.assert_array_equal(loaded.predict(X), det.predict(X))
    with zipfile.ZipFile(tmp_path / "det.skae") as archive:
        assert sorted(archive.namelist()) == ["model.keras", "skae.json"]


def test_detector_round_trip_keeps_the_codes_distribution(tmp_path, X):
    det = AutoencoderOutlierDetector(DenseAutoencoder(n_components=2, loss="mse", **FAST)).fit(X)
    assert det.code_distance_ is True
    loaded = skae.load(skae.save(det, tmp_path / "det.skae"))
    for attr in ("code_distance_", "error_scale_", "n_residual_"):
        assert getattr(loaded, attr) == getattr(det, attr)
    np.testing.assert_array_equal(loaded.code_precision_, det.code_precision_)
    np.testing.assert_array_equal(loaded.code_mean_, det.code_mean_)
    np.testing.assert_array_equal(loaded.decision_function(X), det.decision_function(X))


def test_load_uses_no_pickle(monkeypatch, saved):
    *_, path = saved

    def refuse(*args, **kwargs):
        raise AssertionError("pickle used")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    skae.load(path)


def test_file_layout(saved):
    est, _, path = saved
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["model.keras", "skae.json"]
        manifest = json.loads(archive.read("skae.json"))
    assert manifest["format"] == "skae" and manifest["format_version"] == 1
    assert manifest["skae_version"] == skae.__version__
    assert manifest["keras_version"] == keras.__version__
    assert manifest["backend"] == keras.backend.backend()
    assert manifest["estimator"]["class"] == type(est).__name__


# -- refusals at save ------------------------------------------------------------
def test_save_refuses_unfitted(tmp_path):
    with pytest.raises(NotFittedError):
        skae.save(DenseAutoencoder(), tmp_path / "m.skae")
    assert not (tmp_path / "m.skae").exists()


def test_save_refuses_foreign_estimators(tmp_path, X):
    with pytest.raises(TypeError, match="saves skae estimators"):
        skae.save(PCA(2).fit(X), tmp_path / "m.skae")


def test_save_refuses_callbacks(tmp_path, X):
    est = DenseAutoencoder(
        n_components=2, epochs=1, callbacks=[keras.callbacks.EarlyStopping(monitor="loss")]
    ).fit(X)
    with pytest.raises(ValueError, match=r"callbacks.*set_params\(callbacks=None\)"):
        skae.save(est, tmp_path / "m.skae")
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temp file
    skae.save(est.set_params(callbacks=None), tmp_path / "m.skae")


def test_save_refuses_losses_keras_cannot_serialize(tmp_path, X):
    # Keras' Huber.get_config leaves delta out: the loaded model would score
    # with delta=1.0.
    est = DenseAutoencoder(n_components=2, epochs=1, loss=keras.losses.Huber(delta=0.5))
    est.fit(X)
    with pytest.raises(ValueError, match="parameter 'loss': cannot store"):
        skae.save(est, tmp_path / "m.skae")
    skae.save(est.set_params(loss=keras.losses.Huber()).fit(X), tmp_path / "m.skae")


def test_save_refuses_python_functions(tmp_path, X):
    est = DenseAutoencoder(n_components=2, epochs=1, activation=lambda x: keras.ops.relu(x))
    est.fit(X)
    with pytest.raises(ValueError, match="parameter 'activation': cannot store"):
        skae.save(est, tmp_path / "m.skae")


# -- refusals at load ------------------------------------------------------------
def _rewrite(path, target, *, manifest=None, members=None):
    """Copy the skae file ``path`` to ``target``, changing its content."""
    with zipfile.ZipFile(path) as src:
        content = {name: src.read(name) for name in src.namelist()}
    if manifest is not None:
        content["skae.json"] = json.dumps(manifest(json.loads(content["skae.json"])))
    content.update(members or {})
    with zipfile.ZipFile(target, "w") as dst:
        for name, data in content.items():
            if data is not None:
                dst.writestr(name, data)
    return target


@pytest.fixture(scope="module")
def dense_file(X, tmp_path_factory):
    est = DenseAutoencoder(n_components=2, epochs=1, random_state=0).fit(X)
    return skae.save(est, tmp_path_factory.mktemp("dense") / "dense.skae")


def test_skae_file_error_is_a_value_error():
    assert issubclass(SkaeFileError, ValueError)


def test_load_refuses_non_zip(tmp_path):
    path = tmp_path / "notes.skae"
    path.write_text("not a model")
    with pytest.raises(SkaeFileError, match="not a skae file \\(not a zip archive\\)"):
        skae.load(path)


def test_load_refuses_foreign_zip(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(SkaeFileError, match="no skae.json manifest"):
        skae.load(path)


def test_load_refuses_a_plain_keras_file(tmp_path, dense_file):
    # A .keras file is a zip too, but not a skae file.
    est = skae.load(dense_file)
    est.model_.save(tmp_path / "plain.keras")
    with pytest.raises(SkaeFileError, match="no skae.json manifest"):
        skae.load(tmp_path / "plain.keras")


@pytest.mark.parametrize("version", [2, 0, "1", None])
def test_load_refuses_unknown_format_version(tmp_path, dense_file, version):
    def bump(manifest):
        manifest["format_version"] = version
        return manifest

    path = _rewrite(dense_file, tmp_path / "v.skae", manifest=bump)
    with pytest.raises(SkaeFileError, match=f"format version {version!r}.*reads versions 1 to 1"):
        skae.load(path)


def test_load_refuses_other_formats(tmp_path, dense_file):
    def rename(manifest):
        manifest["format"] = "other"
        return manifest

    path = _rewrite(dense_file, tmp_path / "f.skae", manifest=rename)
    with pytest.raises(SkaeFileError, match="names no skae format"):
        skae.load(path)


def test_load_refuses_truncated_file(tmp_path, dense_file):
    data = dense_file.read_bytes()
    for cut in (len(data) // 2, len(data) - 10):
        path = tmp_path / f"cut{cut}.skae"
        path.write_bytes(data[:cut])
        with pytest.raises(SkaeFileError, match="is corrupted or truncated"):
            skae.load(path)


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such file"):
        skae.load(tmp_path / "missing.skae")


def test_load_refuses_corrupted_file(tmp_path, dense_file):
    data = bytearray(dense_file.read_bytes())
    with zipfile.ZipFile(dense_file) as archive:
        for name in ("model.keras", "skae.json"):
            info = archive.getinfo(name)
            # The member's data starts after its 30-byte local header.
            start = info.header_offset + 30 + len(info.filename) + len(info.extra)
            corrupted = bytearray(data)
            corrupted[start + info.compress_size // 2] ^= 0xFF
            path = tmp_path / f"bad-{name}.skae"
            path.write_bytes(bytes(corrupted))
            with pytest.raises(SkaeFileError, match="corrupted"):
                skae.load(path)


def test_load_refuses_invalid_manifest(tmp_path, dense_file):
    path = _rewrite(dense_file, tmp_path / "j.skae", members={"skae.json": "{not json"})
    with pytest.raises(SkaeFileError, match="manifest is not valid JSON"):
        skae.load(path)

    def drop_params(manifest):
        del manifest["estimator"]["params"]
        return manifest

    path = _rewrite(dense_file, tmp_path / "p.skae", manifest=drop_params)
    with pytest.raises(SkaeFileError, match="corrupted: its manifest does not describe"):
        skae.load(path)


def test_load_refuses_missing_model(tmp_path, dense_file):
    path = _rewrite(dense_file, tmp_path / "m.skae", members={"model.keras": None})
    with pytest.raises(SkaeFileError, match="model 'model.keras' is missing"):
        skae.load(path)


@pytest.mark.parametrize("name", ["PCA", "os.system", "BaseAutoencoder"])
def test_load_refuses_classes_outside_skae(tmp_path, dense_file, name):
    def rename(manifest):
        manifest["estimator"]["class"] = name
        return manifest

    path = _rewrite(dense_file, tmp_path / "c.skae", manifest=rename)
    with pytest.raises(SkaeFileError, match=f"class '{name}', which is not a skae estimator"):
        skae.load(path)


def test_load_refuses_lambda_layer(tmp_path, dense_file):
    inputs = keras.Input((64,))
    outputs = keras.layers.Lambda(lambda x: x * 2.0)(inputs)
    model = keras.Model(inputs, outputs)
    model.save(tmp_path / "lambda.keras")
    path = _rewrite(
        dense_file,
        tmp_path / "lambda.skae",
        members={"model.keras": (tmp_path / "lambda.keras").read_bytes()},
    )
    with pytest.raises(SkaeFileError, match="would run code when loaded \\(a Lambda layer"):
        skae.load(path)


def test_load_refuses_non_string_object_arrays(tmp_path, dense_file):
    def poison(manifest):
        manifest["estimator"]["attributes"]["feature_names_in_"] = {
            "type": "ndarray", "dtype": "|O", "shape": [1], "data": "AA=="
        }
        return manifest

    path = _rewrite(dense_file, tmp_path / "o.skae", manifest=poison)
    with pytest.raises(SkaeFileError, match="corrupted"):
        skae.load(path)
