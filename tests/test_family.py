"""The family's single sources of truth: the registry and the parameter table.

Every registered estimator is public, loadable by skae.load and documented;
every explicit ``__init__`` signature matches the table of training
parameters; docstrings are generated from it; ``import skae`` is light.
"""

import ast
import inspect
import subprocess
import sys

import pytest
from sklearn.base import clone

import skae
from skae._base import BaseAutoencoder
from skae._params import TRAINING_PARAMS, fill_doc, training_params_doc
from skae._registry import FAMILY, estimator_classes, tutorial_sections

from _fast import _shapes

AUTOENCODERS = estimator_classes("autoencoder")


def test_registry_is_the_public_family():
    classes = estimator_classes()
    assert list(classes) == [e.name for e in FAMILY]
    for name, cls in classes.items():
        assert getattr(skae, name) is cls and name in skae.__all__
    assert set(AUTOENCODERS) == {n for n, c in classes.items() if issubclass(c, BaseAutoencoder)}
    assert list(tutorial_sections()) == [
        "simple", "sparse", "deep", "conv", "denoising", "sequence", "vae"
    ]


def test_every_registered_autoencoder_has_a_fast_configuration():
    assert set(_shapes(3, 8)) == set(AUTOENCODERS)


def test_concrete_estimators_do_not_inherit_from_each_other():
    # As in scikit-learn's decomposition module: abstract bases only.
    for name, cls in AUTOENCODERS.items():
        parents = [p.__name__ for p in cls.__mro__[1:]]
        assert not set(parents) & set(AUTOENCODERS), (name, parents)
    with pytest.raises(TypeError, match="abstract"):
        BaseAutoencoder()


@pytest.mark.parametrize("name", list(AUTOENCODERS))
def test_signature_follows_the_training_parameter_table(name):
    params = inspect.signature(AUTOENCODERS[name].__init__).parameters
    names = list(params)
    assert names[0] == "self" and names[-1] == "kwargs"
    assert params["kwargs"].kind is inspect.Parameter.VAR_KEYWORD
    # The shared parameters close every signature, in the table's order and
    # keyword-only, with the table's (per-class) defaults.
    shared = names[-1 - len(TRAINING_PARAMS):-1]
    assert shared == [p.name for p in TRAINING_PARAMS], f"{name}: signature drifted from the table"
    for p in TRAINING_PARAMS:
        assert params[p.name].kind is inspect.Parameter.KEYWORD_ONLY
        assert params[p.name].default == p.default_for(name), (name, p.name)


@pytest.mark.parametrize("name", list(AUTOENCODERS))
def test_docstring_lists_every_parameter_with_its_default(name):
    cls = AUTOENCODERS[name]
    doc = cls.__doc__
    assert "{{" not in doc
    for pname, p in inspect.signature(cls.__init__).parameters.items():
        if pname in ("self", "kwargs"):
            continue
        assert f"\n{pname} : " in doc, (name, pname)
        type_line = doc.split(f"\n{pname} : ")[1].split("\n")[0]
        documented = ast.literal_eval(type_line.split("default=")[1])
        assert documented == p.default, (name, pname, type_line)
    assert "**kwargs : dict" in doc
    # The per-class default of learning_rate_init is what the docs say.
    assert f"learning_rate_init : float, default={cls().learning_rate_init}\n" in doc


def test_training_params_doc_uses_per_class_defaults():
    assert "learning_rate_init : float, default=0.004\n" in training_params_doc("ConvAutoencoder")
    assert "learning_rate_init : float, default=0.001\n" in training_params_doc("DenseAutoencoder")
    assert 'loss : str, callable or keras.losses.Loss, default="auto"' in training_params_doc("X")


def test_fill_doc_fails_loudly():
    class Fine:
        """Title.

        Parameters
        ----------
        {{block}}
        """

    assert "a : int\n    text" in fill_doc(block="a : int\n    text")(Fine).__doc__

    class NoMarker:
        """Title."""

    with pytest.raises(ValueError, match="has no {{block}}"):
        fill_doc(block="text")(NoMarker)

    class Unfilled:
        """{{other}}"""

    with pytest.raises(ValueError, match="unfilled placeholder"):
        fill_doc()(Unfilled)


@pytest.mark.parametrize("name", list(AUTOENCODERS))
def test_init_stores_anything_and_validates_nothing(name):
    # scikit-learn's rule (check_do_not_raise_errors_in_init_or_set_params):
    # __init__ and set_params store, fit validates.
    cls = AUTOENCODERS[name]
    est = cls(epochs="many", n_components=-3, optimizer__learning_rate="x", epoch=2)
    assert est.get_params()["epoch"] == 2 and est.epochs == "many"
    assert clone(est).get_params()["epoch"] == 2


def test_abstract_dense_base_tags_follow_input_dimensions():
    from sklearn.utils import get_tags

    three_d = {name for name, cls in AUTOENCODERS.items() if get_tags(cls()).input_tags.three_d_array}
    assert three_d == {
        "ConvAutoencoder", "DenoisingAutoencoder", "SequenceAutoencoder", "VariationalAutoencoder",
        "Autoencoder",  # samples of any shape reach the user's networks
    }


def test_import_skae_is_light():
    code = (
        "import sys, skae\n"
        "heavy = {'keras', 'tensorflow', 'jax', 'scikeras', 'matplotlib'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
        "skae.DenseAutoencoder\n"
        "print('keras' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=True)
    assert done.stdout.split("\n")[:2] == ["[]", "True"]
