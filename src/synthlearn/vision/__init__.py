"""Image classification, from single pixels to CNNs.

Pixel-based classifiers (minimum distance, maximum likelihood, Mahalanobis,
spectral angle), object-based classification (segment, describe each region,
classify it), localization of objects, and image classifiers (KNN, SVM, MLP,
CNN). Importing this package imports none of scikit-learn, scikit-image and
torch: each name is loaded from its module on first use.
"""

#: public name → the module of synthlearn.vision that defines it
_EXPORTS = {
    # pixel- and object-based classification, localization
    "MinimumDistanceClassifier": "pixel", "MahalanobisClassifier": "pixel",
    "MaximumLikelihoodClassifier": "pixel", "SpectralAngleClassifier": "pixel",
    "image_pixels": "raster", "classify_image": "raster",
    "segment": "segments", "region_features": "segments", "ObjectClassifier": "objects",
    "find_objects": "localize", "match_objects": "localize", "box_iou": "localize",
    "segmentation_scores": "scores", "SegmentationScores": "scores",
    # image classifiers (KNN, SVM, MLP, CNN)
    "CNNClassifier": "cnn", "HogFeatures": "classifiers", "ImageFlattener": "classifiers",
    "image_classifier": "classifiers",
    # saving and loading every one of them
    "load_model": "persist", "save_model": "persist", "model_metadata": "persist",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f"synthlearn.vision.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
