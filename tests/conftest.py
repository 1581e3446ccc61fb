import os

# Quiet TensorFlow's C++ start-up logs; keep Python warnings visible.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")
