"""HTML pages and figures for the learning workbench (leaderboard, clusters, components).

Styling and PNG embedding come from ``synthlearn.htmlpage`` (shared with the quality report)
so every synthlearn page looks the same and stays self-contained.
"""

from __future__ import annotations

import html

import numpy as np


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=7)


def confusion_png(pred: dict, title: str) -> str:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    from synthlearn.htmlpage import figure_png as _png

    classes = pred["classes"]
    cm = confusion_matrix(pred["y_true"], pred["y_pred"], labels=classes)
    n = len(classes)
    size = min(6.0, 2.2 + 0.35 * n)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(cm, cmap="Blues")
    labels = [str(c)[:12] for c in classes]
    ax.set_xticks(range(n), labels if n <= 30 else [""] * n, rotation=45, ha="right", fontsize=7)
    ax.set_yticks(range(n), labels if n <= 30 else [""] * n, fontsize=7)
    if n <= 12:
        for i in range(n):
            for j in range(n):
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_xlabel("predicted", fontsize=8)
    ax.set_ylabel("true", fontsize=8)
    ax.set_title(title, fontsize=9)
    return _png(fig)


def roc_png(pred: dict, title: str) -> str | None:
    import matplotlib.pyplot as plt
    from sklearn.metrics import auc, roc_curve

    from synthlearn.htmlpage import figure_png as _png

    if pred["scores"] is None:
        return None
    classes = pred["classes"]
    shown = classes[1:] if len(classes) == 2 else classes[:10]
    curves = []
    for c in shown:
        j = int(np.flatnonzero(classes == c)[0])
        truth = np.asarray(pred["y_true"]) == c
        if not truth.all() and truth.any():  # a curve needs rows of the class and rows of others
            curves.append((c, *roc_curve(truth, pred["scores"][:, j])[:2]))
    if not curves:
        return None
    fig, ax = plt.subplots(figsize=(3.8, 3.4))
    for c, fpr, tpr in curves:
        ax.plot(fpr, tpr, lw=1.5, label=f"{str(c)[:14]} (AUC {auc(fpr, tpr):.3f})")
    ax.plot([0, 1], [0, 1], ls=":", color="#8C8C8C", lw=1)
    ax.set_xlabel("false positive rate", fontsize=8)
    ax.set_ylabel("true positive rate", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=6, frameon=False, loc="lower right")
    _style(ax)
    return _png(fig)


def truth_png(pred: dict, title: str) -> str:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from synthlearn.htmlpage import REAL, figure_png as _png

    y, p = np.asarray(pred["y_true"], float), np.asarray(pred["y_pred"], float)
    fig, ax = plt.subplots(figsize=(3.8, 3.4))
    ax.scatter(y, p, s=6, alpha=0.5, color=REAL)
    lo, hi = float(min(y.min(), p.min())), float(max(y.max(), p.max()))
    ax.plot([lo, hi], [lo, hi], ls=":", color="#8C8C8C", lw=1)
    ax.set_xlabel("true", fontsize=8)
    ax.set_ylabel("predicted", fontsize=8)
    ax.set_title(title, fontsize=9)
    _style(ax)
    return _png(fig)


def line_png(x, series: dict, xlabel: str, title: str, *, marker_x=None) -> str:
    """A small line chart (one axis per series), for k-selection and explained-variance plots."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from synthlearn.htmlpage import REAL, SYNTH, figure_png as _png

    fig, axes = plt.subplots(1, len(series), figsize=(3.8 * len(series), 3))
    axes = np.atleast_1d(axes)
    for ax, (label, values), color in zip(axes, series.items(), (REAL, SYNTH, REAL)):
        ax.plot(x, values, marker="o", ms=3, color=color)
        if marker_x is not None:
            ax.axvline(marker_x, ls=":", color="#8C8C8C")
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel(label, fontsize=8)
        _style(ax)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return _png(fig)


def png_bytes(data_uri: str) -> bytes:
    """The PNG inside a ``data:image/png;base64,`` URI."""
    import base64

    return base64.b64decode(data_uri.split(",", 1)[1])


def leaderboard_html(board, *, top: int = 3, title: str | None = None) -> str:
    """The leaderboard page: table, failures, skipped models, and figures for the ``top`` models."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from synthlearn import __version__
    from synthlearn.htmlpage import CSS as _CSS, table_html as _table

    title = title or f"Model comparison — {board.target}"
    figs = []
    for name in list(board.table.index)[:top]:
        pred = board.predictions.get(name)
        if pred is None:
            continue
        caption = f"{name} ({pred['source']})"
        if board.task == "classification":
            figs.append(confusion_png(pred, caption))
            roc = roc_png(pred, caption)
            if roc:
                figs.append(roc)
        else:
            figs.append(truth_png(pred, caption))
    imgs = "".join(f'<img src="{src}" alt="figure">' for src in figs)
    notes = "".join(f"<p class='note'>{html.escape(n)}</p>" for n in board.notes)
    fail = (_table(board.failures.set_index("model")) if not board.failures.empty
            else "<p class='note'>Every model ran.</p>")
    skip = (_table(board.skipped.set_index("model")) if not board.skipped.empty
            else "<p class='note'>No model was skipped.</p>")
    m = board.meta
    holdout = f" · holdout {m['holdout_rows']:,} rows" if m.get("holdout_rows") else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{html.escape(title)}</title>
<style>{_CSS}</style></head><body>
<header><h1>{html.escape(title)}</h1><p>synthlearn {html.escape(__version__)} · {board.task} of
<b>{html.escape(board.target)}</b> · {m.get('train_rows', 0):,} rows, {m.get('cv')}-fold cross-validation{holdout}
· {m.get('seconds', 0):.1f}s</p></header>
<main>
{notes}
<h2>Leaderboard (sorted by {html.escape(board.main_metric)})</h2>
<p class="note">Cross-validated means over the same folds for every model; holdout_* columns score each model
refitted on all training rows. fit_s / predict_s are seconds per fold.</p>
{_table(board.table)}
<h2>Best models</h2>
<div class="grid">{imgs or "<p class='note'>No model finished.</p>"}</div>
<h2>Failures</h2>
{fail}
<h2>Skipped (time budget)</h2>
{skip}
</main></body></html>
"""
