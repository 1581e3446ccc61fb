"""TensorBoard, as the tutorial uses it, through the estimators."""

import keras
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from skae import ConvAutoencoder, DenseAutoencoder

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="TensorBoard's event writer needs TensorFlow",
)


def event_files(log_dir):
    return sorted(p for p in log_dir.rglob("events.out.tfevents.*") if p.stat().st_size)


def test_tensorboard_writes_train_and_validation_events(digits, tmp_path):
    X = digits[0][:200]
    ae = DenseAutoencoder(
        n_components=4, epochs=2, batch_size=64, validation_split=0.25, random_state=0,
        callbacks=[keras.callbacks.TensorBoard(log_dir=str(tmp_path))],
    ).fit(X)
    files = event_files(tmp_path)
    assert {p.parent.name for p in files} == {"train", "validation"}
    assert len(ae.history_["val_loss"]) == 2


def test_tensorboard_survives_clone_and_grid_search(digits, tmp_path):
    # clone deep-copies the callback, as it does any parameter; every fit of
    # the grid logs into the same folder, as Keras' own callback would.
    X = digits[0][:120]
    ae = ConvAutoencoder(filters=(4,), epochs=1, batch_size=32, random_state=0,
                         callbacks=[keras.callbacks.TensorBoard(log_dir=str(tmp_path))])
    assert clone(ae).callbacks[0] is not ae.callbacks[0]
    GridSearchCV(ae, {"filters": [(4,), (8,)]}, cv=2).fit(X)
    assert len(event_files(tmp_path / "train")) >= 5  # 2 x 2 folds + the refit
