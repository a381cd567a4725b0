"""The dense torch networks behind every autoencoder: an encoder to a code, a mirrored decoder.

Imported only inside ``fit`` and the methods that run a fitted model, so that
``import synthlearn.autoencoders`` stays free of torch.
"""

from __future__ import annotations

import torch
from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "elu": nn.ELU, "gelu": nn.GELU,
               "leaky_relu": nn.LeakyReLU}


def _stack(sizes, activation: str) -> nn.Sequential:
    """Linear layers between consecutive ``sizes``, each followed by ``activation``."""
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out), ACTIVATIONS[activation]()]
    return nn.Sequential(*layers)


class DenseAutoencoderNet(nn.Module):
    """``x → hidden layers → code`` and back through the mirrored widths.

    Parameters
    ----------
    n_features : int
    hidden_layer_sizes : tuple of int
        Encoder widths before the code; the decoder uses them reversed.
    code_size : int
    activation : str
        Activation after every hidden layer (a key of ``ACTIVATIONS``).
    code_activation : str or None
        Activation of the code itself (``"sigmoid"`` for sparse and
        contractive models); None keeps the code linear.
    variational : bool
        When True the encoder has a second head for the log-variance and
        :meth:`encode` returns ``(mean, log_var)``.
    gaussian_output : bool
        When True the decoder learns a log standard deviation per feature
        (``log_scale``), so a Gaussian likelihood can be computed.
    """

    def __init__(self, n_features, hidden_layer_sizes, code_size, activation, code_activation=None,
                 variational=False, gaussian_output=False):
        super().__init__()
        hidden = list(hidden_layer_sizes)
        self.encoder = _stack([n_features, *hidden], activation)
        last = hidden[-1] if hidden else n_features
        self.code_layer = nn.Linear(last, code_size)
        self.code_activation = ACTIVATIONS[code_activation]() if code_activation else nn.Identity()
        self.log_var_layer = nn.Linear(last, code_size) if variational else None
        self.decoder = _stack([code_size, *hidden[::-1]], activation)
        self.output_layer = nn.Linear(hidden[0] if hidden else code_size, n_features)
        self.log_scale = nn.Parameter(torch.zeros(n_features)) if gaussian_output else None

    def encode(self, x):
        h = self.encoder(x)
        code = self.code_activation(self.code_layer(h))
        if self.log_var_layer is not None:
            return code, self.log_var_layer(h)
        return code

    def decode(self, code):
        """Raw decoder output: logits for binary cross-entropy, the mean for squared error."""
        return self.output_layer(self.decoder(code))

    def forward(self, x):
        code = self.encode(x)
        return self.decode(code[0] if isinstance(code, tuple) else code)
