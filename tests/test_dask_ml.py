"""dask-ml: skae's path to data larger than memory.

``Incremental`` trains over a chunked dask array with one ``partial_fit``
call per block (one epoch over that block); ``ParallelPostFit`` transforms
block by block. Each runs on Dask's threads and on a cluster of worker
processes, and must give what the same calls give on NumPy arrays, bit for
bit (dense layers: see tests/test_parallel.py on thread counts).
"""

import math

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils import check_random_state

pytest.importorskip("dask_ml")
distributed = pytest.importorskip("distributed")

import dask  # noqa: E402
import dask.array as da  # noqa: E402
from dask_ml.wrappers import Incremental, ParallelPostFit  # noqa: E402

from skae import DenseAutoencoder  # noqa: E402

ROWS, BLOCK = 400, 100  # four blocks: a shuffle of them is not the identity
BATCH = 64


def _estimator():
    return DenseAutoencoder(n_components=4, epochs=1, batch_size=BATCH, random_state=0)


@pytest.fixture(scope="module")
def X(digits):
    return digits[0][:ROWS].astype(np.float32)


@pytest.fixture(scope="module")
def dX(X):
    return da.from_array(X, chunks=(BLOCK, -1))


@pytest.fixture(scope="module")
def fitted(X):
    return _estimator().fit(X)


@pytest.fixture(scope="module")
def cluster_client():
    # Worker processes, as on a real cluster: every task's estimator travels
    # pickled. distributed starts them with spawn (its default), not fork,
    # so TensorFlow never runs in a forked child. One cluster for the module:
    # each worker imports TensorFlow and skae once, which is most of its cost.
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster, distributed.Client(cluster, timeout="60s", set_as_default=False) as client:
        client.wait_for_workers(2, timeout=60)
        yield client


@pytest.fixture(params=["threads", "cluster"])
def scheduler(request):
    """Where dask computes: its local threads, or the module's cluster."""
    if request.param == "threads":
        return "threads"
    return request.getfixturevalue("cluster_client")


def _partial_fits(X, order):
    """A plain clone of the estimator, partial_fit block by block in order."""
    est = clone(_estimator())
    for i in order:
        est.partial_fit(X[i * BLOCK:(i + 1) * BLOCK])
    return est


def _workers_that_ran(stream, prefix):
    """The workers that ran the task-stream's tasks whose key starts with prefix."""
    def name(key):
        return str(key[0] if isinstance(key, tuple) else key)

    return {t["worker"] for t in stream.data if name(t["key"]).startswith(prefix)}


@pytest.mark.timeout(300)
def test_incremental_is_partial_fit_block_by_block(scheduler, X, dX):
    estimator = _estimator()
    inc = Incremental(estimator, shuffle_blocks=False)
    if scheduler == "threads":
        with dask.config.set(scheduler=scheduler):
            inc.fit(dX)
    else:
        # On TensorFlow the model may move between workers (pickled) from one
        # block to the next and stays bit for bit. On JAX a pickle round trip
        # between two partial_fit calls changes the next step in the last
        # float32 bits (measured: 1.5e-8 in the weights after one full-batch
        # step, 1e-3 after a 2-batch one, 4e-3 in the codes after four blocks),
        # so there the partial_fit tasks are pinned to one worker to keep the
        # comparison exact.
        workers = sorted(scheduler.scheduler_info()["workers"])
        pin = {} if keras.backend.backend() == "tensorflow" else dict(
            workers=workers[:1], allow_other_workers=False)
        with dask.config.set(scheduler=scheduler), dask.annotate(**pin), \
                distributed.get_task_stream(scheduler) as stream:
            inc.fit(dX)
        # The partial_fit tasks ran in the worker processes.
        ran_on = _workers_that_ran(stream, "fit-")
        assert ran_on and ran_on <= set(pin.get("workers", workers))
        # ... on the Keras backend of this process (they inherit KERAS_BACKEND).
        backends = scheduler.run(lambda: __import__("keras").backend.backend())
        assert set(backends.values()) == {keras.backend.backend()}
    # The wrapped estimator stays unfitted: Incremental trains a clone.
    assert inc.estimator is estimator and not hasattr(estimator, "model_")
    trained = inc.estimator_
    assert isinstance(trained, DenseAutoencoder)
    # One epoch per block: ceil(100 / 64) steps each.
    steps = int(np.asarray(trained.model_.optimizer.iterations))
    assert steps == (ROWS // BLOCK) * math.ceil(BLOCK / BATCH)
    reference = _partial_fits(X, range(ROWS // BLOCK))
    np.testing.assert_array_equal(trained.transform(X), reference.transform(X))
    # Incremental's own transform is ParallelPostFit's, on estimator_.
    with dask.config.set(scheduler="sync"):
        np.testing.assert_array_equal(inc.transform(dX).compute(), reference.transform(X))


@pytest.mark.timeout(300)
def test_incremental_shuffles_blocks_with_its_random_state(X, dX):
    # shuffle_blocks=True (the default) visits the blocks in the order that
    # check_random_state(random_state).shuffle gives; random_state=None
    # would give a new order (and model) on every fit.
    order = list(range(ROWS // BLOCK))
    check_random_state(0).shuffle(order)
    assert order != sorted(order)
    with dask.config.set(scheduler="threads"):
        inc = Incremental(_estimator(), random_state=0).fit(dX)
    codes = inc.estimator_.transform(X)
    np.testing.assert_array_equal(codes, _partial_fits(X, order).transform(X))
    # The order matters: in block order the model differs.
    assert not np.array_equal(codes, _partial_fits(X, sorted(order)).transform(X))


@pytest.mark.timeout(300)
def test_parallel_post_fit_transforms_block_by_block(scheduler, fitted, X, dX):
    post = ParallelPostFit(fitted)
    codes = post.transform(dX)
    assert isinstance(codes, da.Array)
    with dask.config.set(scheduler=scheduler):
        computed = codes.compute()
    np.testing.assert_array_equal(computed, fitted.transform(X))
    assert computed.shape == (ROWS, 4)
    # dask-ml maps transform over the blocks without saying their new width,
    # so the lazy array reports the input's shape until computed.
    assert codes.shape == dX.shape
    # inverse_transform is not wrapped: map it over the blocks, with chunks.
    assert not hasattr(post, "inverse_transform")
    lazy_codes = dX.map_blocks(
        fitted.transform, chunks=(dX.chunks[0], (4,)), dtype=np.float32
    )
    assert lazy_codes.shape == (ROWS, 4)
    restored = lazy_codes.map_blocks(
        fitted.inverse_transform, chunks=dX.chunks, dtype=np.float32
    )
    with dask.config.set(scheduler=scheduler):
        np.testing.assert_array_equal(lazy_codes.compute(), fitted.transform(X))
        np.testing.assert_array_equal(
            restored.compute(), fitted.inverse_transform(fitted.transform(X))
        )


def test_parallel_post_fit_score_is_the_estimators(fitted, X, dX):
    # skae's score is not scikit-learn's regressor/classifier score, so
    # ParallelPostFit calls it as is: on the whole array, gathered into
    # memory, not block by block. score requires y: pass None.
    with dask.config.set(scheduler="sync"):
        assert ParallelPostFit(fitted).score(dX, None) == fitted.score(X)
    with pytest.raises(TypeError):
        ParallelPostFit(fitted).score(dX)
    # Block by block instead (as the user guide shows): the mean of
    # score_samples, equal up to float64 summation order.
    blockwise = dX.map_blocks(fitted.score_samples, drop_axis=1, dtype=np.float64)
    with dask.config.set(scheduler="threads"):
        np.testing.assert_allclose(float(blockwise.mean().compute()), fitted.score(X),
                                   rtol=1e-12)
