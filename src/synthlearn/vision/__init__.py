"""Image classification, from single pixels to CNNs.

Pixel-based classifiers (minimum distance, maximum likelihood, Mahalanobis,
spectral angle), object-based classification (segment, describe each region,
classify it), localization of objects, and image classifiers (KNN, SVM, MLP,
CNN). Importing this package imports neither torch nor scikit-image.
"""

__all__: list[str] = []
