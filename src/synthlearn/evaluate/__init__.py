"""Quality control of synthetic data: fidelity, utility, privacy, coverage, bias, and the report."""

from synthlearn.evaluate.bias import bias, parity_gap
from synthlearn.evaluate.coverage import (
    OutlierDetector,
    category_coverage,
    coverage_summary,
    numeric_coverage,
    rare_categories,
)
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
    "OutlierDetector",
    "QualityReport",
    "association_matrix",
    "bias",
    "category_coverage",
    "column_pairs",
    "column_shapes",
    "correlation_ratio",
    "coverage_summary",
    "cramers_v",
    "detection_auc",
    "distance_to_closest_record",
    "evaluate",
    "numeric_coverage",
    "parity_gap",
    "privacy_summary",
    "rare_categories",
    "render_html",
    "task_of",
    "utility",
    "write_report",
]
