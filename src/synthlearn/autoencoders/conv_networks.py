"""The convolutional torch network behind the image autoencoders: strided convolutions down, transposed ones up.

It reads and writes flat rows (n, C·H·W) and reshapes inside, so the losses and
likelihoods of the dense models apply unchanged. Imported only inside ``fit``
and the methods that run a fitted model, so that ``import synthlearn.autoencoders``
stays free of torch.
"""

from __future__ import annotations

import torch
from torch import nn

from synthlearn.autoencoders.networks import ACTIVATIONS


def halvings(size: tuple, n: int) -> list:
    """``size`` and its ``n`` successive halvings, rounded up: (28, 28) → (14, 14) → (7, 7); 7 → 4 → 2 → 1."""
    sizes = [tuple(size)]
    for _ in range(n):
        sizes.append(tuple((s + 1) // 2 for s in sizes[-1]))
    return sizes


def _norm(width: int, size: tuple) -> nn.Module:
    """Batch normalisation, except on a 1×1 map where a single value per channel cannot be normalised."""
    return nn.BatchNorm2d(width) if size[0] * size[1] > 1 else nn.Identity()


class ConvAutoencoderNet(nn.Module):
    """``image → [conv 3×3 stride 2, batch norm, activation] per width → dense → code`` and back, mirrored.

    Each stride-2 convolution halves the height and width (rounding up, a
    learned pooling); each transposed convolution doubles them back, with
    ``output_padding`` chosen so an odd size (7, 28 → 14 → 7 → 4) comes back
    exactly, without cropping.

    Parameters
    ----------
    image_shape : tuple of int
        (C, H, W) of the images.
    channels : tuple of int
        Encoder widths, one downsampling stage each; the decoder uses them reversed.
    code_size : int
    activation : str
        A key of ``networks.ACTIVATIONS``.
    hidden_size : int or None
        Width of a dense layer between the last feature map and the code (and
        back); None maps the feature map to the code directly.
    variational : bool
        When True the encoder has a second head for the log-variance and
        :meth:`encode` returns ``(mean, log_var)``.
    gaussian_output : bool
        When True the decoder learns a log standard deviation per value
        (``log_scale``), so a Gaussian likelihood can be computed.
    """

    def __init__(self, image_shape, channels, code_size, activation, hidden_size=None, variational=False,
                 gaussian_output=False):
        super().__init__()
        self.image_shape = tuple(image_shape)
        n_channels, height, width = self.image_shape
        sizes = halvings((height, width), len(channels))
        act = ACTIVATIONS[activation]
        down, previous = [], n_channels
        for w, size in zip(channels, sizes[1:]):
            down += [nn.Conv2d(previous, w, 3, stride=2, padding=1), _norm(w, size), act()]
            previous = w
        self.encoder = nn.Sequential(*down, nn.Flatten())
        self.map_shape = (channels[-1], *sizes[-1])
        n_map = channels[-1] * sizes[-1][0] * sizes[-1][1]
        if hidden_size:
            self.to_hidden = nn.Sequential(nn.Linear(n_map, hidden_size), act())
            self.from_code = nn.Sequential(nn.Linear(code_size, hidden_size), act(), nn.Linear(hidden_size, n_map),
                                           act())
        else:
            self.to_hidden = nn.Identity()
            self.from_code = nn.Sequential(nn.Linear(code_size, n_map), act())
        self.code_layer = nn.Linear(hidden_size or n_map, code_size)
        self.log_var_layer = nn.Linear(hidden_size or n_map, code_size) if variational else None
        up = []
        widths = [*channels[::-1][1:], n_channels]
        for i, (w_in, w_out) in enumerate(zip(channels[::-1], widths)):
            target = sizes[len(channels) - 1 - i]
            padding = tuple(1 - t % 2 for t in target)  # even target: one extra row / column
            up.append(nn.ConvTranspose2d(w_in, w_out, 3, stride=2, padding=1, output_padding=padding))
            if i < len(channels) - 1:
                up += [_norm(w_out, target), act()]
        self.decoder = nn.Sequential(*up)
        n_values = n_channels * height * width
        self.log_scale = nn.Parameter(torch.zeros(n_values)) if gaussian_output else None

    def encode(self, x):
        """Code of flat rows ``x`` (n, C·H·W): the mean, or ``(mean, log_var)`` when variational."""
        h = self.to_hidden(self.encoder(x.reshape(-1, *self.image_shape)))
        code = self.code_layer(h)
        if self.log_var_layer is not None:
            return code, self.log_var_layer(h)
        return code

    def decode(self, code):
        """Raw output as flat rows: logits for binary cross-entropy, the mean for squared error.

        Leading dimensions of ``code`` are kept: (K, n, code_size) gives (K, n, C·H·W).
        """
        lead = code.shape[:-1]
        maps = self.from_code(code.reshape(-1, code.shape[-1])).reshape(-1, *self.map_shape)
        return self.decoder(maps).reshape(*lead, -1)

    def forward(self, x):
        code = self.encode(x)
        return self.decode(code[0] if isinstance(code, tuple) else code)
