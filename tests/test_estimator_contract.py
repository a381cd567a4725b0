"""Every estimator synthlearn defines passes scikit-learn's common checks.

Add each new estimator to ESTIMATORS (with small, fast constructor
parameters). A check that cannot pass goes in EXPECTED_FAILURES with its
reason; the suite itself is never skipped.
"""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from synthlearn.autoencoders import (
    AnomalyDetector,
    Autoencoder,
    AutoRec,
    ContractiveAutoencoder,
    ConvAutoencoder,
    ConvVariationalAutoencoder,
    DenoisingAutoencoder,
    SequenceAutoencoder,
    SparseAutoencoder,
    VariationalAutoencoder,
)
from synthlearn.learn import MixedNaiveBayes
from synthlearn.vision import CNNClassifier, HogFeatures, ImageFlattener
from synthlearn.vision.objects import ObjectClassifier
from synthlearn.vision.pixel import (
    MahalanobisClassifier,
    MaximumLikelihoodClassifier,
    MinimumDistanceClassifier,
    SpectralAngleClassifier,
)

#: small, fast settings shared by the torch autoencoders (a few epochs of a tiny network)
_SMALL_AE = dict(code_size=2, hidden_layer_sizes=(8,), epochs=3, batch_size=32)

ESTIMATORS = [
    MixedNaiveBayes(),  # numeric arrays: every column Gaussian
    MixedNaiveBayes(categorical_features=[0], alpha=0.5),  # first column categorical, the rest Gaussian
    Autoencoder(**_SMALL_AE),
    SparseAutoencoder(**{**_SMALL_AE, "code_size": 8}),
    ContractiveAutoencoder(**{**_SMALL_AE, "hidden_layer_sizes": ()}),  # closed-form penalty
    ContractiveAutoencoder(**_SMALL_AE),  # autograd penalty
    DenoisingAutoencoder(**_SMALL_AE, corruption="masking"),
    VariationalAutoencoder(**_SMALL_AE),
    # 2-D checks data read as one-row images (1 × n_features) through image_shape, one -1 as in numpy.reshape
    ConvAutoencoder(code_size=2, channels=(4, 4), hidden_size=8, image_shape=(1, -1), epochs=3, batch_size=32),
    ConvVariationalAutoencoder(code_size=2, channels=(4,), hidden_size=None, image_shape=(1, -1), epochs=3),
    # 2-D checks data read as windows of n_features steps; y (when a check passes one) as the 1-step futures
    SequenceAutoencoder(code_size=2, hidden_size=4, horizon=1, epochs=2, batch_size=32),
    AutoRec(hidden_size=4, epochs=2, batch_size=32),  # 2-D checks data read as a fully observed user × item matrix
    AnomalyDetector(Autoencoder(**{**_SMALL_AE, "code_size": 1}), contamination=0.1),
    MinimumDistanceClassifier(),
    MahalanobisClassifier(),  # pooled covariance
    MahalanobisClassifier(covariance="class", shrinkage=0.1),
    MaximumLikelihoodClassifier(priors="empirical"),
    SpectralAngleClassifier(),
    # X is one image and y its label map, so checks that fit on a table of rows cannot pass (listed below)
    ObjectClassifier(segmentation_params={"n_segments": 4}, classifier=None, random_state=0),
    # image classifiers: 2-D checks data read as one-row images (1 × n_features) through image_shape
    CNNClassifier(channels=(8,), hidden_size=16, dropout=0.0, shift=0, image_shape=(1, -1), epochs=20, batch_size=32,
                  learning_rate=1e-2, random_state=0),
    ImageFlattener(),
    HogFeatures(pixels_per_cell=(1, 1), cells_per_block=(1, 1), image_shape=(1, -1)),
]

#: checks that fit ObjectClassifier on a table with one label per row (it takes an image and a label map)
_OBJECT_CHECKS = [
    "check_fit_score_takes_y", "check_estimators_overwrite_params", "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self", "check_estimators_fit_returns_self(readonly_memmap=True)",
    "check_readonly_memmap_input", "check_n_features_in_after_fitting", "check_positive_only_tag_during_fit",
    "check_estimators_dtypes", "check_complex_data", "check_dtype_object", "check_estimators_empty_data_messages",
    "check_pipeline_consistency", "check_estimators_nan_inf", "check_estimator_sparse_tag",
    "check_estimator_sparse_array", "check_estimator_sparse_matrix", "check_estimators_pickle",
    "check_estimators_pickle(readonly_memmap=True)", "check_f_contiguous_array_estimator",
    "check_methods_sample_order_invariance", "check_methods_subset_invariance", "check_fit2d_1sample",
    "check_fit2d_1feature", "check_dict_unchanged", "check_fit_idempotent", "check_fit_check_is_fitted",
    "check_n_features_in", "check_fit2d_predict1d",
]

#: estimator class name → {check name: reason}. One table for every estimator.
EXPECTED_FAILURES: dict[str, dict[str, str]] = {
    "MixedNaiveBayes": {},  # passes every check, categorical columns included
    # the autoencoders pass every check: they run inference in float64, so a row's code does not
    # depend on the rows batched with it (sample-order / subset invariance hold exactly)
    "Autoencoder": {},
    "SparseAutoencoder": {},
    "ContractiveAutoencoder": {},
    "DenoisingAutoencoder": {},
    "VariationalAutoencoder": {},
    "ConvAutoencoder": {},
    "ConvVariationalAutoencoder": {},
    "SequenceAutoencoder": {},
    "AnomalyDetector": {},
    # the pixel classifiers pass every check
    "MinimumDistanceClassifier": {},
    "MahalanobisClassifier": {},
    "MaximumLikelihoodClassifier": {},
    "SpectralAngleClassifier": {},
    "ObjectClassifier": dict.fromkeys(_OBJECT_CHECKS, "fit takes an image and its (H, W) label map, not rows "
                                                      "and one label per row; tested in tests/vision"),
    "CNNClassifier": {},  # float64 inference on the CPU: predictions do not depend on the batch
    "ImageFlattener": {},
    "HogFeatures": {},
    "AutoRec": {  # item-based (Sedhain et al. 2015): the input rows of its network are X's columns
        **dict.fromkeys(["check_transformer_general", "check_transformer_general(readonly_memmap=True)",
                         "check_transformer_data_not_an_array"],
                        "transform gives one code per item (column of X), not per row"),
        **dict.fromkeys(["check_methods_sample_order_invariance", "check_methods_subset_invariance",
                         "check_fit_idempotent"],
                        "an item's input is its whole column, so predict needs every fitted user (row)"),
        **dict.fromkeys(["check_estimator_sparse_array", "check_estimator_sparse_matrix"],
                        "predict returns the completed user x item matrix, not one value per row"),
    },
}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_estimator_contract(estimator, check):
    check(estimator)


def test_every_estimator_class_is_covered():
    """Every scikit-learn estimator class defined anywhere in synthlearn must be in ESTIMATORS.

    An estimator here is a ``BaseEstimator`` subclass that predicts or transforms; synthesizers
    (``fit(df)`` then ``sample(n)``) borrow ``get_params`` from ``BaseEstimator`` but follow their own
    contract and are tested in tests/synth.
    """
    import importlib
    import inspect
    import pkgutil

    from sklearn.base import BaseEstimator

    import synthlearn

    defined = set()
    for info in pkgutil.walk_packages(synthlearn.__path__, "synthlearn."):
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional dependency that is not installed
            continue
        defined |= {obj for _, obj in inspect.getmembers(module, inspect.isclass)
                    if issubclass(obj, BaseEstimator) and obj.__module__ == module.__name__
                    and any(hasattr(obj, m) for m in ("predict", "transform", "fit_predict"))}
    missing = sorted(c.__qualname__ for c in defined - {type(e) for e in ESTIMATORS})
    assert not missing, f"add these estimators to ESTIMATORS: {missing}"
