"""Image classification, from single pixels to CNNs.

Pixel-based classifiers (minimum distance, maximum likelihood, Mahalanobis,
spectral angle), object-based classification (segment, describe each region,
classify it), localization of objects, and image classifiers (KNN, SVM, MLP,
CNN). Importing this package imports neither torch nor scikit-image.
"""

__all__: list[str] = []

# ---- pixel- and object-based classification, localization (imported on first use: no sklearn/skimage here)
_PIXEL_EXPORTS = {
    "MinimumDistanceClassifier": "pixel", "MahalanobisClassifier": "pixel",
    "MaximumLikelihoodClassifier": "pixel", "SpectralAngleClassifier": "pixel",
    "image_pixels": "raster", "classify_image": "raster",
    "segment": "segments", "region_features": "segments", "ObjectClassifier": "objects",
    "find_objects": "localize", "match_objects": "localize", "box_iou": "localize",
    "segmentation_scores": "scores", "SegmentationScores": "scores",
    "save_pixel_model": "pixel_persist", "load_pixel_model": "pixel_persist",
}
__all__ += list(_PIXEL_EXPORTS)


def __getattr__(name):
    if name in _PIXEL_EXPORTS:
        import importlib

        return getattr(importlib.import_module(f"synthlearn.vision.{_PIXEL_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'synthlearn.vision' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
