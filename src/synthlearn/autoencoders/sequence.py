"""A recurrent sequence-to-sequence autoencoder: encodes a window, reconstructs it and forecasts the next steps.

Follows the composite model of Srivastava, Mansimov & Salakhutdinov,
"Unsupervised learning of video representations using LSTMs", ICML 2015: one
GRU or LSTM encoder reads the window into a code; one decoder rebuilds the
window from the code, a second predicts the ``horizon`` steps that follow
(sequence to sequence, Sutskever et al., NeurIPS 2014). Both decoders read the
code at every step. The forecast adds a linear autoregression on the window
(the "highway" of LSTNet, Lai et al., SIGIR 2018) and works in units of the
window's own mean and spread (reversible instance normalisation, Kim et al.,
ICLR 2022), so levels and amplitudes beyond the training range are followed.
Values are standardised per feature inside the model.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from synthlearn.autoencoders.base import _positive_int, check_params, fitted_params, record_fitted_params
from synthlearn.errors import DataError, InvalidParameterError

_PREDICT_BATCH = 1024
CELLS = ("gru", "lstm")

PARAMS = {
    "code_size": (_positive_int, "a positive integer"),
    "cell": (lambda v: v in CELLS, "'gru' or 'lstm'"),
    "hidden_size": (_positive_int, "a positive integer"),
    "num_layers": (_positive_int, "a positive integer"),
    "window": (_positive_int, "a positive integer (steps per window cut from a series)"),
    "horizon": (_positive_int, "a positive integer (steps to forecast)"),
    "forecast_weight": (lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool) and v >= 0,
                        "a number >= 0"),
    "epochs": (_positive_int, "a positive integer"),
    "batch_size": (_positive_int, "a positive integer"),
    "learning_rate": (lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool) and v > 0, "a number > 0"),
    "weight_decay": (lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool) and v >= 0, "a number >= 0"),
    "validation_fraction": (lambda v: isinstance(v, numbers.Real) and 0 <= v < 1, "a number in [0, 1)"),
    "patience": (_positive_int, "a positive integer"),
    "verbose": (lambda v: isinstance(v, (bool, np.bool_)), "True or False"),
}


def sliding_windows(series, window, horizon=0):
    """Cut a series into every window of ``window`` steps (stride 1) and the ``horizon`` steps after each.

    Parameters
    ----------
    series : array-like of shape (n_steps,) or (n_steps, n_features)
    window : int
    horizon : int, default=0

    Returns
    -------
    windows : ndarray of shape (n_windows, window[, n_features])
    futures : ndarray of shape (n_windows, horizon[, n_features])
        With ``n_windows = n_steps - window - horizon + 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from synthlearn.autoencoders.sequence import sliding_windows
    >>> X, y = sliding_windows(np.arange(6.0), window=3, horizon=1)
    >>> X.tolist(), y.tolist()
    ([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0], [2.0, 3.0, 4.0]], [[3.0], [4.0], [5.0]])
    """
    for name, value, low in (("window", window, 1), ("horizon", horizon, 0)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise InvalidParameterError(f"{name} must be an integer >= {low}, got {value!r}")
    s = check_array(series, dtype=np.float64, ensure_2d=False, input_name="series")
    if s.ndim not in (1, 2):
        raise DataError(f"series must be 1-D (n_steps,) or 2-D (n_steps, n_features), got shape {s.shape}")
    n = len(s) - window - horizon + 1
    if n < 1:
        raise DataError(f"a series of {len(s)} steps is too short for window={window} plus horizon={horizon}; "
                        f"it needs at least {window + horizon} steps")
    idx = np.arange(n)[:, None]
    return s[idx + np.arange(window)], s[idx + window + np.arange(horizon)]


class SequenceAutoencoder(TransformerMixin, BaseEstimator):
    """Recurrent (GRU/LSTM) encoder–decoder that reconstructs windows of a sequence and forecasts what follows.

    Input convention. ``fit`` and ``forecast`` take a whole series as a 1-D array and cut
    it into windows of ``window`` steps (stride 1), each followed by the ``horizon`` steps
    the model learns to forecast. Every method also takes windows: a 2-D array
    (n_windows, window_length) of univariate windows or a 3-D array (n_windows,
    window_length, n_features); ``fit(windows, futures)`` then learns the forecast from
    the futures, shaped (n_windows, horizon[, n_features]), and ``fit(windows)`` learns
    only the reconstruction. A multivariate series is cut with :func:`sliding_windows`.
    ``transform``, ``reconstruct``, ``predict`` and ``score`` work on windows only.

    Parameters
    ----------
    code_size : int, default=8
        Width of the code one window is encoded to.
    cell : {"gru", "lstm"}, default="gru"
    hidden_size : int, default=32
        Units of every recurrent layer.
    num_layers : int, default=1
        Stacked recurrent layers in the encoder and in each decoder.
    window : int, default=11
        Steps per window cut from a 1-D series (windows passed as arrays keep their length).
    horizon : int, default=5
        Steps the forecast decoder predicts.
    forecast_weight : float, default=1.0
        Weight of the forecast error against the reconstruction error in the loss.
    epochs : int, default=200
    batch_size : int, default=32
    learning_rate : float, default=3e-3
        Adam's step size.
    weight_decay : float, default=0.1
        L2 penalty on every weight (Adam's ``weight_decay``); with a few hundred windows
        it is what keeps the recurrent layers from overfitting.
    validation_fraction : float, default=0.1
        Share of windows held out for early stopping (0: monitor the training loss).
        From a series these are its last windows, and training stops short of them so
        that no training window shares a step with them; windows passed in are split
        at random, their order being unknown.
    patience : int, default=20
        Epochs without improvement before stopping; the best weights are kept.
    device : str, default="auto"
        ``"auto"`` uses CUDA when present, else the CPU.
    verbose : bool, default=False
        Progress bar on stderr.
    random_state : int, RandomState or None, default=None
        Seeds the weights and the batches; an int makes ``fit`` repeatable.

    Attributes
    ----------
    module_ : torch.nn.ModuleDict
        ``encoder``, ``to_code``, ``autoregressive`` (the linear highway of the forecast)
        and, for each decoder (``recon``, ``forecast``), an initial-state layer, a
        recurrent layer and a readout; on the CPU in float64.
    scaler_ : sklearn.preprocessing.StandardScaler
        The per-feature standardisation fitted on the training values.
    window_ : int
        Steps per window the model encodes.
    n_channels_ : int
        Features per step (1 for a univariate series).
    n_features_in_ : int
        Equal to ``window_`` (the columns of 2-D windows).
    forecasts_ : bool
        Whether the forecast decoder was trained (false after ``fit(windows)`` without futures).
    history_ : list of dict
        Per-epoch ``train_loss`` / ``val_loss`` from ``synthlearn.nn.train``.
    n_epochs_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from synthlearn.autoencoders import SequenceAutoencoder
    >>> series = np.sin(np.arange(200) * 2 * np.pi / 12)
    >>> model = SequenceAutoencoder(window=12, horizon=3, epochs=5, random_state=0).fit(series)
    >>> model.forecast(series, steps=6).shape  # the 6 steps after the series
    (6,)
    >>> windows = series[:36].reshape(3, 12)
    >>> model.transform(windows).shape, model.reconstruct(windows).shape, model.predict(windows).shape
    ((3, 8), (3, 12), (3, 3))
    """

    def __init__(self, code_size=8, cell="gru", hidden_size=32, num_layers=1, window=11, horizon=5,
                 forecast_weight=1.0, epochs=200, batch_size=32, learning_rate=3e-3, weight_decay=0.1,
                 validation_fraction=0.1, patience=20, device="auto", verbose=False, random_state=None):
        self.code_size = code_size
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.window = window
        self.horizon = horizon
        self.forecast_weight = forecast_weight
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    # ------------------------------------------------------------------ input checks
    def _windows(self, X, reset=False):
        """``X`` as float64 windows of shape (n, steps, n_channels); 2-D or 3-D input only."""
        ndim = getattr(X, "ndim", None)
        if ndim is None:
            ndim = np.asarray(X, dtype=object).ndim
        if ndim == 2:
            A = validate_data(self, X, dtype=np.float64, reset=reset)
            return A[:, :, None]
        if ndim == 3:
            A = check_array(X, dtype=np.float64, allow_nd=True, input_name="X")
            if reset:
                self.n_features_in_ = A.shape[1]
            elif A.shape[1] != self.window_ or A.shape[2] != self.n_channels_:
                raise DataError(f"X has windows of {A.shape[1]} steps x {A.shape[2]} features, but "
                                f"{type(self).__name__} is expecting {self.window_} steps x "
                                f"{self.n_channels_} features")
            return A
        raise DataError(f"X must be windows: 2-D (n_windows, window) or 3-D (n_windows, window, n_features), "
                        f"got {ndim}-D" + ("; a series? pass it to fit or forecast, or cut it with "
                                           "sliding_windows. Reshape your data with X.reshape(1, -1) if it "
                                           "is one window" if ndim == 1 else ""))

    def _futures(self, y, n, n_channels):
        """Futures as float64 (n, horizon, n_channels)."""
        F = check_array(y, dtype=np.float64, ensure_2d=False, allow_nd=True, input_name="y")
        horizon = fitted_params(self)["horizon"]
        if F.ndim == 1 and horizon == 1:
            F = F[:, None]
        if F.ndim == 2 and n_channels == 1:
            F = F[:, :, None]
        if F.shape != (n, horizon, n_channels):
            want = f"({n}, {horizon})" if n_channels == 1 else f"({n}, {horizon}, {n_channels})"
            raise DataError(f"y must hold the {horizon} future steps of each window, shape {want}, "
                            f"got {F.shape}; or fit on the whole series")
        return F

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None):
        """Learn to encode and rebuild windows and to forecast the ``horizon`` steps after them.

        Parameters
        ----------
        X : array-like of shape (n_steps,), (n_windows, window) or (n_windows, window, n_features)
            A series (cut into windows and futures) or windows.
        y : array-like of shape (n_windows, horizon[, n_features]), optional
            The steps after each window (windows only).

        Returns
        -------
        self
        """
        check_params(self, PARAMS)
        record_fitted_params(self)
        ndim = getattr(X, "ndim", None) or np.asarray(X, dtype=object).ndim
        try:
            if ndim == 1:
                if y is not None:
                    raise DataError("y must be None when X is a series: the futures are cut from the series; "
                                    "pass windows to fit(windows, futures)")
                series = check_array(X, dtype=np.float64, ensure_2d=False, input_name="X")
                W, F = sliding_windows(series, self.window, self.horizon)
                W, F = W[:, :, None], F[:, :, None]
                for name in ("feature_names_in_",):
                    if hasattr(self, name):
                        delattr(self, name)
                self.n_features_in_ = self.window
            else:
                W = self._windows(X, reset=True)
                F = self._futures(y, len(W), W.shape[2]) if y is not None else None
            self.window_, self.n_channels_ = W.shape[1], W.shape[2]
            values = W.reshape(-1, self.n_channels_) if F is None else np.concatenate(
                [W.reshape(-1, self.n_channels_), F.reshape(-1, self.n_channels_)])
            self.scaler_ = StandardScaler().fit(values)
            self.forecasts_ = F is not None
            self._train(self._scale(W), None if F is None else self._scale(F), chronological=ndim == 1)
        except BaseException:  # a failed fit must not look fitted
            for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
                delattr(self, name)
            raise
        return self

    def _train(self, W, F, chronological=False):
        """``chronological``: the windows are cut from one series in time order, so the validation
        windows are the last ones, and the training windows stop ``window + horizon - 1`` steps
        earlier so that no training window or future shares a step with them (a random split
        would validate on windows that overlap training windows). Windows passed in are split at
        random: their order is unknown."""
        import torch

        from synthlearn.nn import TrainingConfig, resolve_device, train
        from synthlearn.nn.training import seeded

        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        device = resolve_device(self.device)
        with seeded(seed, device):
            self.module_ = self._build(torch.nn)
        config = TrainingConfig(epochs=self.epochs, batch_size=self.batch_size, learning_rate=self.learning_rate,
                                weight_decay=self.weight_decay, validation_fraction=self.validation_fraction,
                                patience=self.patience,
                                device=str(device), random_state=seed, verbose=bool(self.verbose),
                                description=type(self).__name__)
        arrays = [W] if F is None else [W, F]
        validation = None
        n = len(W)
        n_val = int(round(n * self.validation_fraction))
        gap = W.shape[1] + (0 if F is None else F.shape[1]) - 1
        if chronological and n_val > 0 and n - n_val - gap >= 1:
            validation = [torch.tensor(a[n - n_val:], dtype=torch.float32) for a in arrays]
            arrays = [a[:n - n_val - gap] for a in arrays]
        tensors = [torch.tensor(a, dtype=torch.float32) for a in arrays]
        weight = float(self.forecast_weight)

        def loss(module, batch):
            x = batch[0]
            code = self._encode(module, x)
            error = ((self._decode(module, "recon", code, x.shape[1]) - x) ** 2).mean()
            if len(batch) > 1:
                error = error + weight * ((self._forecast(module, code, x) - batch[1]) ** 2).mean()
            return error

        result = train(self.module_, loss, tuple(tensors), config, validation=validation)
        # Inference runs in float64 on the CPU, so a window's output never depends on its batch.
        self.module_.to("cpu", torch.float64)
        self.history_ = result.history
        self.n_epochs_ = len(result.history)
        self.device_ = result.device
        self.random_seed_ = seed

    # ------------------------------------------------------------------ network
    def _build_module(self):
        """The network for the fitted shapes (used by loading)."""
        import torch

        return self._build(torch.nn)

    def _build(self, nn):
        rnn = nn.GRU if self.cell == "gru" else nn.LSTM
        h, c, L = self.hidden_size, self.n_channels_, self.num_layers
        parts = {"encoder": rnn(c, h, L, batch_first=True), "to_code": nn.Linear(h, self.code_size)}
        for name in ("recon", "forecast"):
            parts[f"{name}_init"] = nn.Linear(self.code_size, h * L)
            parts[f"{name}_rnn"] = rnn(self.code_size, h, L, batch_first=True)
            parts[f"{name}_out"] = nn.Linear(h, c)
        parts["autoregressive"] = nn.Linear(self.window_, self.horizon)
        return nn.ModuleDict(parts)

    def _encode(self, module, x):
        """Code of each window, from the last layer's final hidden state."""
        _, state = module["encoder"](x)
        last = (state[0] if isinstance(state, tuple) else state)[-1]
        return module["to_code"](last)

    def _decode(self, module, name, code, steps):
        """Run decoder ``name`` for ``steps`` steps, reading the code at every step; (n, steps, n_channels)."""
        import torch

        params = fitted_params(self)
        L, h = params["num_layers"], params["hidden_size"]
        h0 = torch.tanh(module[f"{name}_init"](code)).reshape(len(code), L, h).transpose(0, 1).contiguous()
        state = (h0, torch.zeros_like(h0)) if params["cell"] == "lstm" else h0
        out, _ = module[f"{name}_rnn"](code.unsqueeze(1).expand(len(code), steps, code.shape[1]), state)
        return module[f"{name}_out"](out)

    def _forecast(self, module, code, x):
        """The next ``horizon`` (scaled) steps, predicted in units of the window's own mean and spread.

        A linear autoregression on the window plus the decoded code, both on the window
        normalised by its mean and standard deviation and mapped back (reversible instance
        normalisation), so a level or amplitude never seen in training is still followed.
        """
        mean = x.mean(dim=1, keepdim=True)
        spread = x.std(dim=1, keepdim=True, unbiased=False) + 1e-3 if x.shape[1] > 1 else x.new_ones(mean.shape)
        z = (x - mean) / spread
        linear = module["autoregressive"](z.transpose(1, 2)).transpose(1, 2)
        return mean + spread * (linear + self._decode(module, "forecast", code, fitted_params(self)["horizon"]))

    # ------------------------------------------------------------------ scaling and batched inference
    def _scale(self, A):
        return ((A - self.scaler_.mean_) / self.scaler_.scale_).astype(np.float64)

    def _unscale(self, A):
        return A * self.scaler_.scale_ + self.scaler_.mean_

    def _run(self, A, fn):
        """Apply ``fn(module, batch)`` to the scaled windows ``A`` in batches without gradients."""
        import torch

        self.module_.eval()
        out = []
        with torch.no_grad():
            for lo in range(0, max(len(A), 1), _PREDICT_BATCH):
                out.append(fn(self.module_, torch.tensor(A[lo:lo + _PREDICT_BATCH], dtype=torch.float64)).numpy())
        return np.concatenate(out)

    def _shape_like(self, A, ndim):
        return A[:, :, 0] if ndim == 2 else A

    def _check_forecasts(self):
        if not self.forecasts_:  # its forecasting decoder was never trained
            raise DataError(f"this {type(self).__name__} was fitted without futures, so it cannot forecast; "
                            f"fit it on a series or on windows with their futures y")

    def _predict(self, W):
        """Forecast of the scaled windows ``W`` in original units, (n, horizon, n_channels)."""
        self._check_forecasts()
        return self._unscale(self._run(W, lambda m, x: self._forecast(m, self._encode(m, x), x)))

    # ------------------------------------------------------------------ public methods
    def transform(self, X):
        """Encode windows: the codes, shape (n_windows, code_size)."""
        check_is_fitted(self)
        W = self._windows(X)
        return self._run(self._scale(W), self._encode)

    def inverse_transform(self, X):
        """Decode codes to windows, shape (n_windows, window_) or (n_windows, window_, n_features)."""
        check_is_fitted(self)
        codes = check_array(X, dtype=np.float64)
        code_size = fitted_params(self)["code_size"]
        if codes.shape[1] != code_size:
            raise DataError(f"inverse_transform needs codes with code_size={code_size} columns, "
                            f"got {codes.shape[1]}; pass the output of transform")
        out = self._unscale(self._run(codes, lambda m, z: self._decode(m, "recon", z, self.window_)))
        return out[:, :, 0] if self.n_channels_ == 1 else out

    def reconstruct(self, X):
        """Encode and decode windows: their reconstruction, in the shape of ``X``."""
        check_is_fitted(self)
        ndim = np.ndim(X) if not hasattr(X, "ndim") else X.ndim
        W = self._windows(X)
        out = self._unscale(self._run(self._scale(W), lambda m, x: self._decode(m, "recon", self._encode(m, x),
                                                                                 x.shape[1])))
        return self._shape_like(out, ndim)

    def predict(self, X):
        """Forecast the ``horizon`` steps after each window, shape (n_windows, horizon[, n_features])."""
        check_is_fitted(self)
        ndim = np.ndim(X) if not hasattr(X, "ndim") else X.ndim
        W = self._windows(X)
        return self._shape_like(self._predict(self._scale(W)), ndim)

    def forecast(self, X, steps=None):
        """Forecast ``steps`` steps after a series (its last ``window_`` values) or after each window.

        Beyond ``horizon`` the forecast is recursive: the predicted steps are appended to
        the window and the model forecasts again.

        Parameters
        ----------
        X : array-like of shape (n_steps,) or windows (n_windows, window_[, n_features])
        steps : int, optional
            Default ``horizon``.

        Returns
        -------
        ndarray of shape (steps,) for a series, else (n_windows, steps[, n_features])
        """
        check_is_fitted(self)
        self._check_forecasts()
        steps = fitted_params(self)["horizon"] if steps is None else steps
        if not _positive_int(steps):
            raise InvalidParameterError(f"steps must be a positive integer, got {steps!r}")
        ndim = np.ndim(X) if not hasattr(X, "ndim") else X.ndim
        if ndim == 1:
            if self.n_channels_ != 1:
                raise DataError(f"a 1-D series has one feature, but the model was fitted on {self.n_channels_}; "
                                f"pass windows (n_windows, {self.window_}, {self.n_channels_})")
            s = check_array(X, dtype=np.float64, ensure_2d=False, input_name="X")
            if len(s) < self.window_:
                raise DataError(f"the series has {len(s)} steps; forecasting needs the last window_="
                                f"{self.window_} of them")
            W = s[-self.window_:].reshape(1, self.window_, 1)
        else:
            W = self._windows(X)
        out, scaled = [], self._scale(W)
        while sum(o.shape[1] for o in out) < steps:
            nxt = self._run(scaled, lambda m, x: self._forecast(m, self._encode(m, x), x))
            out.append(nxt)
            scaled = np.concatenate([scaled, nxt], axis=1)[:, -self.window_:]
        pred = self._unscale(np.concatenate(out, axis=1)[:, :steps])
        return pred[0, :, 0] if ndim == 1 else self._shape_like(pred, ndim)

    def score(self, X, y=None):
        """Negative mean squared error in original units (higher is better).

        Of the reconstruction of the windows ``X``, or, when their futures ``y`` are given, of the forecast.
        """
        check_is_fitted(self)
        W = self._windows(X)
        if y is not None:
            F = self._futures(y, len(W), W.shape[2])
            return -float(np.mean((self._predict(self._scale(W)) - F) ** 2))
        out = self._unscale(self._run(self._scale(W), lambda m, x: self._decode(m, "recon", self._encode(m, x),
                                                                                 x.shape[1])))
        return -float(np.mean((out - W) ** 2))

    @property
    def _n_features_out(self):
        return fitted_params(self)["code_size"]

    def get_feature_names_out(self, input_features=None):
        """Names of the code columns: ``sequenceautoencoder0``, ``sequenceautoencoder1``, ..."""
        check_is_fitted(self)
        name = type(self).__name__.lower()
        return np.asarray([f"{name}{i}" for i in range(fitted_params(self)["code_size"])], dtype=object)
