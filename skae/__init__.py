"""skae: scikit-learn compatible autoencoders on Keras 3.

Every autoencoder of the Keras tutorial "Building Autoencoders in Keras" as a
scikit-learn transformer: ``fit``, ``transform`` (encode),
``inverse_transform`` (decode), ``score`` (higher is better), in a
``Pipeline`` beside PCA or TSNE and inside ``GridSearchCV``.
"""

from ._base import BaseAutoencoder
from ._conv import ConvAutoencoder, DenoisingAutoencoder
from ._dense import DeepAutoencoder, DenseAutoencoder, SparseAutoencoder
from ._outlier import AutoencoderOutlierDetector
from ._persistence import SkaeFileError, load, save
from ._sequence import SequenceAutoencoder
from ._variational import VariationalAutoencoder

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
