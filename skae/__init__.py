"""skae: scikit-learn compatible autoencoders on Keras 3.

Every autoencoder of the Keras tutorial "Building Autoencoders in Keras" as a
scikit-learn transformer: ``fit``, ``transform`` (encode),
``inverse_transform`` (decode), ``score`` (higher is better), in a
``Pipeline`` beside PCA or TSNE and inside ``GridSearchCV``.
"""

from ._compat import limit_threads_from_environment

# Before any model exists: TensorFlow's pools are fixed at its first op. In
# joblib/Dask workers this keeps k workers from running k x cores threads.
limit_threads_from_environment()

from ._base import BaseAutoencoder  # noqa: E402
from ._conv import ConvAutoencoder, DenoisingAutoencoder  # noqa: E402
from ._dense import DeepAutoencoder, DenseAutoencoder, SparseAutoencoder  # noqa: E402
from ._outlier import AutoencoderOutlierDetector  # noqa: E402
from ._persistence import SkaeFileError, load, save  # noqa: E402
from ._sequence import SequenceAutoencoder  # noqa: E402
from ._variational import VariationalAutoencoder  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "AutoencoderOutlierDetector",
    "BaseAutoencoder",
    "ConvAutoencoder",
    "DenoisingAutoencoder",
    "DeepAutoencoder",
    "DenseAutoencoder",
    "SequenceAutoencoder",
    "SparseAutoencoder",
    "SkaeFileError",
    "VariationalAutoencoder",
    "__version__",
    "load",
    "save",
]
