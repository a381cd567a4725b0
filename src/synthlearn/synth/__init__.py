"""Learned synthesizers: fit a real table, sample new rows like it."""

from synthlearn.synth.base import Synthesizer
from synthlearn.synth.cart import CARTSynthesizer
from synthlearn.synth.copula import GaussianCopulaSynthesizer
from synthlearn.synth.gan import GANSynthesizer
from synthlearn.synth.transform import ModelColumn, TableEncoder
from synthlearn.synth.vae import VAESynthesizer

#: Name used on the command line → synthesizer class.
METHODS = {"cart": CARTSynthesizer, "copula": GaussianCopulaSynthesizer, "vae": VAESynthesizer, "gan": GANSynthesizer}

__all__ = ["METHODS", "CARTSynthesizer", "GANSynthesizer", "GaussianCopulaSynthesizer", "ModelColumn", "Synthesizer", "TableEncoder", "VAESynthesizer"]
