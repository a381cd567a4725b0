"""What every autoencoder shares: parameter checks, data checks, training through ``synthlearn.nn.train``.

Subclasses write two hooks: ``_module_kwargs`` (how the network looks) and
``_loss`` (the training loss of a batch), plus ``_extra_params`` for their own
parameters. Models on other inputs than flat rows (images) also replace
``_params``, ``_validate``, ``_build_module`` and ``_to_output``: the network
always sees flat rows, so losses and likelihoods are written once.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from synthlearn.errors import DataError, InvalidParameterError

ACTIVATION_NAMES = ("relu", "tanh", "sigmoid", "elu", "gelu", "leaky_relu")
_PREDICT_BATCH = 4096


def _positive_int(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1


def _widths(v):
    return isinstance(v, (tuple, list)) and all(_positive_int(w) for w in v)


#: parameter → (accepts, what would work). Checked at the top of ``fit``.
COMMON_PARAMS = {
    "code_size": (_positive_int, "a positive integer"),
    "hidden_layer_sizes": (_widths, "a tuple of positive integers, e.g. (128,) or (256, 64)"),
    "activation": (lambda v: v in ACTIVATION_NAMES, f"one of {ACTIVATION_NAMES}"),
    "loss": (lambda v: v in ("auto", "mse", "bce"), "'auto', 'mse' or 'bce'"),
    "epochs": (_positive_int, "a positive integer"),
    "batch_size": (_positive_int, "a positive integer"),
    "learning_rate": (lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool) and v > 0, "a number > 0"),
    "validation_fraction": (lambda v: isinstance(v, numbers.Real) and 0 <= v < 1, "a number in [0, 1)"),
    "patience": (_positive_int, "a positive integer"),
    "verbose": (lambda v: isinstance(v, (bool, np.bool_)), "True or False"),
}


def check_params(estimator, table) -> None:
    """Raise :class:`InvalidParameterError` for the first parameter of ``table`` that ``estimator`` gets wrong."""
    for name, (accepts, expected) in table.items():
        value = getattr(estimator, name)
        if not accepts(value):
            raise InvalidParameterError(f"{name} must be {expected}, got {value!r}")


def record_fitted_params(estimator) -> None:
    """Remember the parameters ``fit`` builds and trains the networks with (see :func:`fitted_params`)."""
    estimator._fitted_params = estimator.get_params(deep=False)


def fitted_params(estimator) -> dict:
    """The parameters the fitted networks of ``estimator`` were built with.

    ``set_params`` after ``fit`` changes what the next ``fit`` does, not the
    fitted model: its methods and ``save_model`` read these.
    """
    return vars(estimator).get("_fitted_params") or estimator.get_params(deep=False)


class _BaseAutoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin):
    """Fit, encode, decode and score for the dense autoencoders; subclasses define the loss.

    A mixin, not an estimator: each model is ``class Model(_BaseAutoencoder, BaseEstimator)``
    with its own ``__init__``, so the contract test sees only the concrete models.
    """

    #: True for models whose code must be no wider than the input.
    _undercomplete = True
    #: The parameters every model of the family has: name → (accepts, what would work).
    _params: dict = COMMON_PARAMS
    #: Parameters beyond ``_params``: name → (accepts, what would work).
    _extra_params: dict = {}
    #: Extra ``TrainingConfig`` settings (e.g. a learning-rate schedule).
    _training_options: dict = {}

    # ------------------------------------------------------------------ hooks
    def _module_kwargs(self) -> dict:
        return {}

    def _loss(self, module, batch):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _prepare(self, X: np.ndarray) -> None:
        """Data-dependent state a subclass needs before training (e.g. corruption bounds)."""

    def _validate(self, X, reset: bool) -> np.ndarray:
        """``X`` as flat float rows (n_samples, n_features_in_); ``reset`` records its shape at fit time."""
        return validate_data(self, X, dtype=[np.float64, np.float32], reset=reset)

    def _build_module(self):
        """A fresh (float32) network for the fitted input, from ``n_features_in_`` and the parameters."""
        from synthlearn.autoencoders.networks import DenseAutoencoderNet

        return DenseAutoencoderNet(self.n_features_in_, tuple(self.hidden_layer_sizes), self.code_size,
                                   self.activation, **self._module_kwargs())

    def _to_output(self, A: np.ndarray) -> np.ndarray:
        """Flat rows in the input's layout (the identity for flat data)."""
        return A

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None):
        """Train the autoencoder on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        check_params(self, self._params)
        check_params(self, self._extra_params)
        record_fitted_params(self)
        try:
            self._fit(X)
        except BaseException:  # a failed fit must not look fitted
            for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
                delattr(self, name)
            raise
        return self

    def _fit(self, X) -> None:
        X = self._validate(X, reset=True)
        n_features = X.shape[1]
        if self._undercomplete and self.code_size > n_features:
            raise InvalidParameterError(
                f"code_size={self.code_size} is larger than the input's n_features={n_features}; "
                f"an undercomplete {type(self).__name__} needs code_size <= {n_features}")
        self.loss_ = self._resolve_loss(X)
        self._prepare(X)

        import torch

        from synthlearn.nn import TrainingConfig, resolve_device, train
        from synthlearn.nn.training import seeded

        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        device = resolve_device(self.device)
        with seeded(seed, device):
            self.module_ = self._build_module()
        config = TrainingConfig(epochs=self.epochs, batch_size=self.batch_size, learning_rate=self.learning_rate,
                                validation_fraction=self.validation_fraction, patience=self.patience,
                                device=str(device), random_state=seed, verbose=bool(self.verbose),
                                description=type(self).__name__, **self._training_options)
        data = torch.tensor(X, dtype=torch.float32)
        result = train(self.module_, self._loss, (data,), config)
        # Inference runs in float64 on the CPU, so a row's code never depends on its batch (BLAS blocking).
        self.module_.to("cpu", torch.float64)
        self.history_ = result.history
        self.n_epochs_ = len(result.history)
        self.device_ = result.device
        self.random_seed_ = seed

    def _resolve_loss(self, X) -> str:
        inside = X.size > 0 and X.min() >= 0 and X.max() <= 1
        if self.loss == "bce" and not inside:
            raise DataError(f"loss='bce' needs data in [0, 1], got values in [{X.min():.4g}, {X.max():.4g}]; "
                            f"scale the data to [0, 1] or use loss='mse'")
        if self.loss == "auto":
            return "bce" if inside else "mse"
        return self.loss

    # ------------------------------------------------------------------ losses shared by subclasses
    def _reconstruction_loss(self, output, x):
        """Reconstruction loss of raw decoder output against ``x``: summed over features, averaged over rows.

        Summing per row (as in the papers) keeps penalties such as β·KL or λ‖J‖² on their textbook scale
        whatever the number of features.
        """
        import torch.nn.functional as F

        if self.loss_ == "bce":
            loss = F.binary_cross_entropy_with_logits(output, x, reduction="none")
        else:
            loss = (output - x) ** 2
        return loss.sum(dim=1).mean()

    def _output(self, raw):
        import torch

        return torch.sigmoid(raw) if self.loss_ == "bce" else raw

    # ------------------------------------------------------------------ public methods
    def transform(self, X):
        """Encode ``X``: the codes, shape (n_samples, code_size)."""
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        return self._run(X, lambda m, x: self._code_of(m.encode(x)), X.dtype)

    def inverse_transform(self, X):
        """Decode codes back to the input space: (n_samples, n_features_in_), or images for image models."""
        check_is_fitted(self)
        codes = check_array(X, dtype=[np.float64, np.float32])
        code_size = fitted_params(self)["code_size"]
        if codes.shape[1] != code_size:
            raise DataError(f"inverse_transform needs codes with code_size={code_size} columns, "
                            f"got {codes.shape[1]}; pass the output of transform")
        return self._to_output(self._run(codes, lambda m, z: self._output(m.decode(z)), codes.dtype))

    def reconstruct(self, X):
        """Encode and decode ``X``: its reconstruction, in the layout of the fitted input."""
        check_is_fitted(self)
        return self._to_output(self._reconstruct(self._validate(X, reset=False)))

    def score(self, X, y=None):
        """Negative mean squared reconstruction error per value (higher is better)."""
        check_is_fitted(self)
        X = self._validate(X, reset=False).astype(np.float64, copy=False)
        return -float(np.mean((self._reconstruct(X) - X) ** 2))

    def _reconstruct(self, X):
        return self._run(X, lambda m, x: self._output(m.decode(self._code_of(m.encode(x)))), X.dtype)

    @staticmethod
    def _code_of(encoded):
        return encoded[0] if isinstance(encoded, tuple) else encoded

    def _run(self, A: np.ndarray, fn, dtype) -> np.ndarray:
        """Apply ``fn(module, batch)`` to ``A`` in batches without gradients; NumPy result of ``dtype``."""
        import torch

        self.module_.eval()
        out = []
        with torch.no_grad():
            for lo in range(0, max(len(A), 1), _PREDICT_BATCH):
                batch = torch.tensor(A[lo:lo + _PREDICT_BATCH], dtype=torch.float64)
                out.append(fn(self.module_, batch).numpy())
        return np.concatenate(out).astype(dtype if dtype == np.float32 else np.float64, copy=False)

    @property
    def _n_features_out(self):
        return fitted_params(self)["code_size"]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
