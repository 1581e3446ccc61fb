"""Settings for every test and doctest, before anything imports TensorFlow."""

import os

# Quiet TensorFlow's C++ start-up logs; keep Python warnings visible.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")
# pytest -n 2 runs one process per core: OpenMP kernels (TSNE's gradient)
# that spin on two threads each are several times slower than on one.
os.environ.setdefault("OMP_NUM_THREADS", "1")
