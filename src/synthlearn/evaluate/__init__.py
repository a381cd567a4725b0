"""Quality control of synthetic data: fidelity, utility, privacy, and the report."""

from synthlearn.evaluate.fidelity import (
    association_matrix,
    column_pairs,
    column_shapes,
    correlation_ratio,
    cramers_v,
    detection_auc,
)
from synthlearn.evaluate.html import render_html, write_report
from synthlearn.evaluate.privacy import distance_to_closest_record, privacy_summary
from synthlearn.evaluate.report import QualityReport, evaluate
from synthlearn.evaluate.utility import task_of, utility

__all__ = [
    "QualityReport",
    "association_matrix",
    "column_pairs",
    "column_shapes",
    "correlation_ratio",
    "cramers_v",
    "detection_auc",
    "distance_to_closest_record",
    "evaluate",
    "privacy_summary",
    "render_html",
    "task_of",
    "utility",
    "write_report",
]
