"""The torch network behind :class:`~synthlearn.vision.CNNClassifier`: conv blocks, global pooling, a dense head.

Follows LeCun et al., "Gradient-based learning applied to document
recognition" (1998) for the overall shape (convolutions and pooling, then
fully connected layers) and Simonyan & Zisserman, "Very deep convolutional
networks" (VGG, 2015) for the blocks of stacked 3×3 convolutions, with batch
normalisation (Ioffe & Szegedy 2015) and dropout (Srivastava et al. 2014).
Also the batch augmentation (random shifts and flips) done on the device.
Imported only inside ``fit`` and the methods that run a fitted model, so that
``import synthlearn.vision`` stays free of torch.
"""

from __future__ import annotations

import torch
from torch import nn


class CNNNet(nn.Module):
    """``image → [(conv 3×3, batch norm, ReLU) × convs_per_block, max-pool 2×2] per width → [global pool] →
    dense head``.

    Each block keeps the size through its padded convolutions and halves it
    (rounding up) with a 2×2 max-pool; a map already 1×1 is not pooled.

    Parameters
    ----------
    image_shape : tuple of int
        (C, H, W) of the images.
    channels : tuple of int
        Width of each block.
    convs_per_block : int
        Convolutions in each block (1: LeNet-like, 2 or 3: VGG-like).
    hidden_size : int or None
        Width of the dense layer of the head; None maps the features to the classes directly.
    n_classes : int
    dropout : float
        Dropout before each dense layer of the head.
    global_pooling : {None, "max", "avg"}
        None: the head reads the last maps flattened; else each map's maximum or mean.
    """

    def __init__(self, image_shape, channels, convs_per_block, hidden_size, n_classes, dropout, global_pooling=None):
        super().__init__()
        n_channels, height, width = image_shape
        self.image_shape = tuple(image_shape)
        layers, previous = [], n_channels
        #: Whether some batch norm sees 1×1 maps: it cannot take statistics of one image's single value
        self.unit_maps = False
        for w in channels:
            self.unit_maps |= height * width == 1
            for _ in range(convs_per_block):
                layers += [nn.Conv2d(previous, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
                previous = w
            if height > 1 or width > 1:
                layers.append(nn.MaxPool2d(2, ceil_mode=True))
                height, width = (height + 1) // 2, (width + 1) // 2
        if global_pooling is not None:
            layers.append(nn.AdaptiveMaxPool2d(1) if global_pooling == "max" else nn.AdaptiveAvgPool2d(1))
            height = width = 1
        self.features = nn.Sequential(*layers, nn.Flatten())
        n_features = previous * height * width
        head = [nn.Dropout(dropout)]
        if hidden_size:
            head += [nn.Linear(n_features, hidden_size), nn.ReLU(inplace=True), nn.Dropout(dropout)]
            n_features = hidden_size
        head.append(nn.Linear(n_features, n_classes))
        self.head = nn.Sequential(*head)

    def forward(self, x):
        """Class logits of flat rows ``x`` (n, C·H·W)."""
        x = x.reshape(-1, *self.image_shape)
        if self.training and len(x) == 1 and self.unit_maps:
            # a batch of one image (the last of an epoch, or batch_size=1) with 1×1 maps: batch norm has one
            # value per channel, so it normalises with its running statistics for this batch
            norms = [m for m in self.features if isinstance(m, nn.BatchNorm2d)]
            for m in norms:
                m.eval()
            try:
                return self.head(self.features(x))
            finally:
                for m in norms:
                    m.train()
        return self.head(self.features(x))


def augment(x: torch.Tensor, shift: int, flip: bool) -> torch.Tensor:
    """Randomly shift a batch of (n, C, H, W) images by up to ``shift`` pixels (zero fill) and flip half of
    them left to right when ``flip``; draws from torch's global generator (which ``train`` seeds)."""
    n, _, height, width = x.shape
    if shift > 0:
        padded = nn.functional.pad(x, (shift, shift, shift, shift))
        dy = torch.randint(0, 2 * shift + 1, (n, 1), device=x.device)
        dx = torch.randint(0, 2 * shift + 1, (n, 1), device=x.device)
        rows = torch.arange(height, device=x.device) + dy  # (n, H)
        cols = torch.arange(width, device=x.device) + dx  # (n, W)
        index = torch.arange(n, device=x.device)[:, None, None]
        x = padded[index, :, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)  # (n, H, W, C) → (n, C, H, W)
    if flip:
        mask = torch.rand(n, device=x.device) < 0.5
        x = torch.where(mask[:, None, None, None], x.flip(-1), x)
    return x
