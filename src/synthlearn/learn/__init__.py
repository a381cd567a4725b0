"""Learning from tables: the classic algorithms by name, schema-driven preprocessing, leaderboards,
secure model persistence, clustering and dimensionality reduction.

    from synthlearn.learn import compare, train, load_model, cluster, reduce, make_model
"""

from synthlearn.learn.compare import Leaderboard, compare
from synthlearn.learn.naive_bayes import MixedNaiveBayes
from synthlearn.learn.persist import TrainedModel, load_model, train
from synthlearn.learn.preprocessing import make_preprocessor, prepare_frame
from synthlearn.learn.registry import MODELS, get_spec, make_model, make_pipeline, model_names, task_of
from synthlearn.learn.unsupervised import ClusterResult, ReduceResult, cluster, reduce

__all__ = [
    "MODELS",
    "ClusterResult",
    "Leaderboard",
    "MixedNaiveBayes",
    "ReduceResult",
    "TrainedModel",
    "cluster",
    "compare",
    "get_spec",
    "load_model",
    "make_model",
    "make_pipeline",
    "make_preprocessor",
    "model_names",
    "prepare_frame",
    "reduce",
    "task_of",
    "train",
]
