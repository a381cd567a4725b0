"""Learning from tables: schema-driven preprocessing (the algorithm registry grows here)."""

from synthlearn.learn.preprocessing import make_preprocessor, prepare_frame

__all__ = ["make_preprocessor", "prepare_frame"]
