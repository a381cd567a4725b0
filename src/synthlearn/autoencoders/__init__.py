"""Autoencoders as scikit-learn transformers on PyTorch, trained through ``synthlearn.nn.train``.

``fit(X)``, ``transform(X)`` → codes, ``inverse_transform(codes)``,
``reconstruct(X)`` and ``score(X)`` on every model. Importing this package does
not import torch; ``fit`` does.
"""

from synthlearn.autoencoders.anomaly import AnomalyDetector
from synthlearn.autoencoders.autoencoder import Autoencoder
from synthlearn.autoencoders.autorec import AutoRec
from synthlearn.autoencoders.contractive import ContractiveAutoencoder
from synthlearn.autoencoders.convolutional import ConvAutoencoder, ConvVariationalAutoencoder
from synthlearn.autoencoders.denoising import DenoisingAutoencoder
from synthlearn.autoencoders.generation import interpolate, save_samples
from synthlearn.autoencoders.persist import load_model, save_model
from synthlearn.autoencoders.repair import damage, denoise, psnr, repair
from synthlearn.autoencoders.sequence import SequenceAutoencoder
from synthlearn.autoencoders.sparse import SparseAutoencoder
from synthlearn.autoencoders.variational import VariationalAutoencoder

__all__ = ["AnomalyDetector", "AutoRec", "Autoencoder", "ContractiveAutoencoder", "ConvAutoencoder",
           "ConvVariationalAutoencoder", "DenoisingAutoencoder", "SequenceAutoencoder", "SparseAutoencoder",
           "VariationalAutoencoder", "damage", "denoise", "interpolate", "load_model", "psnr", "repair",
           "save_model", "save_samples"]
