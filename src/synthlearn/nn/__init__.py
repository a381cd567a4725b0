"""Shared PyTorch plumbing: device choice, the one training loop, model folders.

Every torch model in synthlearn (autoencoders, VAE/GAN synthesizers, image
models) trains through :func:`train` and saves through :func:`save_module`.
Importing this package imports torch.
"""

from synthlearn.nn.device import resolve_device
from synthlearn.nn.persist import load_module_state, save_module
from synthlearn.nn.training import TrainingConfig, TrainingResult, train

__all__ = ["TrainingConfig", "TrainingResult", "load_module_state", "resolve_device", "save_module", "train"]
