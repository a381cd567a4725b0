"""The self-contained HTML quality report: figures embedded, no network needed."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from synthlearn.data.schema import ColumnKind, Schema, conform
from synthlearn.evaluate.report import TABLES, QualityReport
from synthlearn.htmlpage import CSS, OTHER, REAL, SYNTH, figure_png, fmt, table_html
from synthlearn.learn.preprocessing import prepare_frame

def _grade(value: float, good: float, warn: float, higher_is_better: bool = True) -> str:
    if value is None or np.isnan(value):
        return ""
    if not higher_is_better:
        value, good, warn = -value, -good, -warn
    return "good" if value >= good else "warn" if value >= warn else "bad"


def _column_plot(column: str, kind, real: pd.Series, synth: pd.Series, score: float) -> str:
    import matplotlib.pyplot as plt

    kinds = {column: kind.value}
    r = prepare_frame(real.to_frame(), kinds)[column]
    s = prepare_frame(synth.to_frame(), kinds)[column]
    fig, ax = plt.subplots(figsize=(3.6, 2.5))
    few_whole_numbers = kind is ColumnKind.INTEGER and r.nunique() <= 20
    if few_whole_numbers:  # bars, not a histogram with gaps between the values
        r = r.dropna().astype("int64").astype(str)
        s = s.dropna().astype("int64").astype(str)
    if kind.is_numeric and not few_whole_numbers:
        r, s = r.dropna().to_numpy(float), s.dropna().to_numpy(float)
        if kind is ColumnKind.DATETIME:  # seconds since 1970 → matplotlib's date numbers, shown as dates
            import matplotlib.dates as mdates

            shift = mdates.date2num(np.datetime64("1970-01-01T00:00:00"))
            r, s = r / 86400.0 + shift, s / 86400.0 + shift
            locator = mdates.AutoDateLocator(minticks=2, maxticks=5)  # minticks=5 (default) warned for days
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        both = np.concatenate([r, s])
        bins = np.histogram_bin_edges(both, bins=min(30, max(5, int(np.sqrt(both.size)))))
        for values, color, label in ((r, REAL, "real"), (s, SYNTH, "synthetic")):
            if values.size:  # a density of no values divides by zero
                ax.hist(values, bins=bins, density=True, alpha=0.55, color=color, label=label)
            else:
                ax.bar([], [], color=color, alpha=0.55, label=f"{label}: every value missing")
    else:
        pr, ps = r.value_counts(normalize=True), s.value_counts(normalize=True)
        labels = list(pr.index[:12]) + [x for x in ps.index if x not in pr.index][: max(0, 12 - len(pr))]
        if few_whole_numbers:
            labels = sorted(labels, key=int)
        x = np.arange(len(labels))
        ax.bar(x - 0.2, [pr.get(lab, 0) for lab in labels], 0.4, color=REAL, label="real")
        ax.bar(x + 0.2, [ps.get(lab, 0) for lab in labels], 0.4, color=SYNTH, label="synthetic")
        ax.set_xticks(x, [str(lab)[:12] for lab in labels], rotation=30, ha="right", fontsize=7)
    ax.set_title(f"{column[:30]}  (score {score:.3f})", fontsize=9)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return figure_png(fig)


def _heatmaps(report: QualityReport) -> str:
    import matplotlib.pyplot as plt

    real, synth = report.associations["real"], report.associations["synthetic"]
    n = len(real)
    size = min(4.5, 1.2 + 0.22 * n)
    fig, axes = plt.subplots(1, 3, figsize=(3 * size + 1.5, size))
    diff = np.abs(real.to_numpy() - synth.to_numpy())
    panels = [("real", real.to_numpy(), "RdBu_r", (-1, 1)), ("synthetic", synth.to_numpy(), "RdBu_r", (-1, 1)),
              ("|real − synthetic|", diff, "Reds", (0, max(0.25, float(diff.max()))))]
    for ax, (title, mat, cmap, (lo, hi)) in zip(axes, panels):
        im = ax.imshow(mat, cmap=cmap, vmin=lo, vmax=hi)
        ax.set_title(title, fontsize=10)
        labels = [c[:14] for c in real.columns]
        fs = 7 if n <= 15 else 5
        ax.set_xticks(range(n), labels if n <= 40 else [""] * n, rotation=90, fontsize=fs)
        ax.set_yticks(range(n), labels if n <= 40 else [""] * n, fontsize=fs)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    return figure_png(fig)


def _dcr_plot(report: QualityReport) -> str:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3))
    allv = np.concatenate([report.dcr[t] for t in TABLES])
    top = np.percentile(allv, 99.5) if allv.size else 0.0
    bins = np.linspace(0, top if top > 0 else 1, 40)  # every distance 0 (one categorical column): no empty range
    for name, color in zip(TABLES, (SYNTH, REAL, OTHER)):
        ax.hist(report.dcr[name], bins=bins, density=True, histtype="step", lw=2, color=color,
                label=f"{name} → train (median {np.median(report.dcr[name]):.3f})")
    ax.set_xlabel("Gower distance to the closest training row")
    ax.legend(fontsize=8, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return figure_png(fig)


def _rare_plot(report: QualityReport) -> str:
    import matplotlib.pyplot as plt

    rare = report.coverage_detail["rare"]
    top = rare["synthetic"].sort_values("real_frequency").head(20)
    fig, ax = plt.subplots(figsize=(min(9, 2 + 0.45 * len(top)), 3))
    x = np.arange(len(top))
    ax.bar(x - 0.2, top["real_frequency"], 0.4, color=REAL, label="real (train)")
    ax.bar(x + 0.2, top["frequency"], 0.4, color=SYNTH, label="synthetic")
    ax.set_xticks(x, [f"{c[:12]}={v[:12]}" for c, v in zip(top["column"], top["category"])], rotation=30, ha="right",
                  fontsize=7)
    ax.set_ylabel("frequency", fontsize=8)
    ax.axhline(report.coverage_detail["rare_threshold"], color=OTHER, lw=1, ls="--", label="rare threshold")
    ax.legend(fontsize=7, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return figure_png(fig)


def _coverage_section(report: QualityReport) -> str:
    if report.coverage is None:
        return ""
    detail = report.coverage_detail
    scores = report.coverage.copy()
    scores.index.name = "table"
    rare = detail["rare"]["synthetic"][["column", "category", "real_count", "real_frequency"]].copy()
    for name in TABLES:
        rare[name] = detail["rare"][name]["frequency"].to_numpy()
    rare = rare.set_index("column")
    numeric = detail["numeric"]["synthetic"].set_index("column")[["tail_real"]].copy()
    for name in TABLES:
        t = detail["numeric"][name].set_index("column")
        numeric[f"range · {name}"] = t["range_coverage"]
        numeric[f"tail ratio · {name}"] = t["tail_ratio"]
    plot = (f'<img class="wide" src="{_rare_plot(report)}" alt="rare categories, real vs synthetic">'
            if len(rare) else f"<p class='note'>No category is rarer than {detail['rare_threshold']:.0%} of the "
            f"real rows.</p>")
    return f"""<h2>Coverage: rare categories, tails and outliers</h2>
<p class="note">Rare categories are those below {detail['rare_threshold']:.0%} of the real rows; <i>rare category
coverage</i> is the share of them present, <i>rare frequency ratio</i> their total frequency over the real one.
<i>Range coverage</i> is the share of each real numeric range spanned; <i>tail ratio</i> the share of values beyond
the real 1st/99th percentiles over the real share. An Isolation Forest fitted on the real rows flags
{detail['real_outliers']} real outliers ({detail['real_outlier_rate']:.1%}); <i>outlier ratio</i> is the share of a
table's rows it flags over that (below 1: outliers dropped, well above 1: implausible rows), <i>outlier coverage</i>
the share of real outliers with a row of the table within the typical real neighbourhood radius (median distance
to the 5th nearest real row). 1 is best everywhere; the holdout shows what fresh real data scores.</p>
{table_html(scores)}
{plot}
{table_html(rare) if len(rare) else ''}
{table_html(numeric) if len(numeric) else ''}"""


def _bias_plot(report: QualityReport) -> str:
    import matplotlib.pyplot as plt

    groups = report.bias["groups"]
    columns = list(report.bias["sensitive"])
    fig, axes = plt.subplots(1, len(columns), figsize=(min(12, 3.6 * len(columns) + 0.5), 2.8), squeeze=False)
    for ax, column in zip(axes[0], columns):
        g = groups[groups["column"] == column]
        spread = g.groupby("class")["real"].agg(lambda v: v.max() - v.min())
        cls = spread.idxmax() if spread.notna().any() else g["class"].iloc[0]
        g = g[g["class"] == cls]
        x = np.arange(len(g))
        ax.bar(x - 0.2, g["real"], 0.4, color=REAL, label="real (train)")
        ax.bar(x + 0.2, g["synthetic"], 0.4, color=SYNTH, label="synthetic")
        ax.set_xticks(x, [str(v)[:12] for v in g["group"]], rotation=30, ha="right", fontsize=7)
        what = "mean" if cls == "mean" else f"rate of {str(cls)[:16]}"
        ax.set_title(f"{column[:20]}: {what}", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7, frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.tight_layout()
    return figure_png(fig)


def _bias_section(report: QualityReport) -> str:
    if report.bias is None:
        return ""
    summary = report.bias["summary"].set_index("column")
    groups = report.bias["groups"].set_index("column")
    model = report.bias["model"].set_index("column") if len(report.bias["model"]) else None
    return f"""<h2>Bias: gaps between sensitive groups</h2>
<p class="note">Per group of {', '.join(html.escape(c) for c in report.bias['sensitive'])}: the rate of each class of
<b>{html.escape(str(report.target))}</b> (its mean for a numeric target) in the real and synthetic rows. The
<i>parity gap</i> is the largest difference between two groups' rates of one class; <i>amplification</i> =
synthetic gap − real gap (above 0: the synthetic data widens the gap; <i>amplification_holdout</i> shows the chance
level). The model columns compare the random forests trained on real and on synthetic rows, scored per group on the
real holdout (accuracy gap, equalized-odds difference). Groups under 10 rows are left out of the gaps.</p>
{table_html(summary)}
<img class="wide" src="{_bias_plot(report)}" alt="per-group rates, real vs synthetic">
{table_html(groups)}
{table_html(model) if model is not None else ''}"""


DETECTION_MIN_ROWS = 50  # per table; below it the cross-validated AUC swings widely


def _detection_note(report: QualityReport) -> tuple[str, str]:
    """The detection card's note and grade: no grade when too few rows were scored to trust the AUC."""
    scored = report.rows_scored or report.rows
    few = min(scored["train"], scored["synthetic"])
    if few < DETECTION_MIN_ROWS:
        return f"only {few} rows in a table: too few for a reliable AUC, not graded", ""
    return ("0.5 = indistinguishable; well below 0.5 = rows mirror training rows",
            _grade(abs(report.scores.loc["synthetic", "detection_auc"] - 0.5), 0.15, 0.3, higher_is_better=False))


def _utility_rows(report: QualityReport) -> int:
    """Holdout rows the utility check scored: those with a target value."""
    return report.rows_scored.get("utility_holdout", report.rows["holdout"])


def _rows_line(report: QualityReport) -> str:
    """The table sizes and, when some were subsampled, the rows the checks used."""
    line = " · ".join(f"{name} {report.rows[name]:,} rows" for name in ("train", "holdout", "synthetic"))
    scored = report.rows_scored
    if scored and any(scored.get(name, n) != n for name, n in report.rows.items()):
        line += (" · checks on a seeded sample: " + " · ".join(f"{name} {scored[name]:,}" for name in
                                                              ("train", "holdout", "synthetic"))
                 + f" rows (copies and distances searched among all {report.rows['train']:,} training rows)")
    return line


def render_html(report: QualityReport, train: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema,
                *, title: str = "Synthetic data quality report") -> str:
    """The report as one HTML page with embedded PNG figures."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    train = conform(train, schema, table="training")  # plot the values as the checks read them
    synthetic = conform(synthetic, schema, table="synthetic", like=train)
    sc = report.scores
    pv = report.privacy
    cards = [
        ("overall quality", sc.loc["synthetic", "overall"], f"holdout {sc.loc['holdout', 'overall']:.3f} · "
         f"independent {sc.loc['independent', 'overall']:.3f}", _grade(sc.loc["synthetic", "overall"], 0.9, 0.8)),
        ("column shapes", sc.loc["synthetic", "column_shapes"], f"holdout {sc.loc['holdout', 'column_shapes']:.3f}",
         _grade(sc.loc["synthetic", "column_shapes"], 0.9, 0.8)),
        ("column pairs", sc.loc["synthetic", "column_pairs"], f"holdout {sc.loc['holdout', 'column_pairs']:.3f}",
         _grade(sc.loc["synthetic", "column_pairs"], 0.9, 0.8)),
        ("detection AUC", sc.loc["synthetic", "detection_auc"], *_detection_note(report)),
        ("DCR vs holdout", pv.loc["synthetic", "dcr_ratio_to_holdout"], "≥ 0.9: no closer than fresh real rows",
         _grade(pv.loc["synthetic", "dcr_ratio_to_holdout"], 0.9, 0.7)),
        # graded against the holdout's own rate: on few, discrete columns fresh real rows repeat training rows too
        ("exact copies", pv.loc["synthetic", "exact_copy_rate"] * 100,
         f"% of synthetic rows; holdout {pv.loc['holdout', 'exact_copy_rate'] * 100:.1f} %, graded against it",
         _grade(pv.loc["synthetic", "exact_copy_rate"] - pv.loc["holdout", "exact_copy_rate"], 0.005, 0.02,
                higher_is_better=False)),
    ]
    if report.coverage is not None:
        cv = report.coverage
        cards.append(("rare categories kept", cv.loc["synthetic", "rare_category_coverage"],
                      f"holdout {fmt(cv.loc['holdout', 'rare_category_coverage'])}",
                      _grade(cv.loc["synthetic", "rare_category_coverage"], 0.95, 0.8)))
        cards.append(("outlier ratio", cv.loc["synthetic", "outlier_ratio"],
                      f"1 = as many as real; holdout {fmt(cv.loc['holdout', 'outlier_ratio'])}",
                      _grade(abs(np.log(max(cv.loc["synthetic", "outlier_ratio"], 1e-3))), np.log(1.5), np.log(3),
                             higher_is_better=False)))
    if report.bias is not None:
        amp = report.bias["summary"]["amplification"]
        worst = amp.idxmax() if amp.notna().any() else None
        if worst is not None:
            row = report.bias["summary"].loc[worst]
            cards.append((f"bias amplification ({row['column']})", row["amplification"],
                          f"holdout {fmt(row['amplification_holdout'])}; > 0 widens the gap",
                          _grade(row["amplification"] - max(row["amplification_holdout"], 0), 0.02, 0.05,
                                 higher_is_better=False)))
    summary = report.summary()
    if report.utility is not None:
        metric = "accuracy" if report.task == "classification" else "r2"
        col = f"rf_{metric}"
        cards.insert(4, (f"utility (RF {metric})", summary.loc["synthetic", col],
                         f"real-trained {fmt(summary.loc['holdout', col])}",
                         _grade(summary.loc["synthetic", col] - summary.loc["holdout", col], -0.03, -0.1)))
    card_html = "".join(
        f'<div class="card"><div class="l">{html.escape(lbl)}</div><div class="v {g}">{fmt(v, 1 if "copies" in lbl else 3)}</div>'
        f'<div class="r">{html.escape(ref)}</div></div>'
        for lbl, v, ref, g in cards
    )
    summary.index.name = "table"
    colplots = "".join(
        f'<img src="{_column_plot(row.column, schema[row.column], train[row.column], synthetic[row.column], row.score)}" '
        f'alt="{html.escape(row.column)}">'
        for row in report.columns["synthetic"].itertuples()
    )
    percol = report.columns["synthetic"].set_index("column")[["kind", "metric", "score", "missing_real", "missing_synthetic"]]
    percol.insert(3, "holdout", report.columns["holdout"]["score"].to_numpy())
    percol.insert(4, "independent", report.columns["independent"]["score"].to_numpy())
    util_html = "<p class='note'>No target column was given, so no utility check was run.</p>"
    if report.utility is not None:
        u = report.utility.set_index(["trained_on", "model"])
        u.index = [f"{a} · {b}" for a, b in u.index]
        u.index.name = "trained on · model"
        util_html = (f"<p class='note'>Models trained on each table predict <b>{html.escape(str(report.target))}</b> "
                     f"on the real holdout ({_utility_rows(report):,} rows with a value). <i>real</i> is the "
                     f"ceiling, "
                     f"<i>independent</i> the floor.</p>" + table_html(u))
    priv = pv.copy()
    priv.index.name = "table"
    meta = report.meta
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{html.escape(title)}</title>
<style>{CSS}</style></head><body>
<header><h1>{html.escape(title)}</h1><p>synthlearn {html.escape(str(meta.get('synthlearn_version')))} ·
{html.escape(str(meta.get('created')))} · {_rows_line(report)}{' · method ' + html.escape(str(meta['method'])) if meta.get('method') else ''}{
f" · copy guard on: {meta['copies_replaced']} copies of training rows replaced" if 'copies_replaced' in meta else ''}{
f" · {meta['too_close_replaced']} rows closer than {meta['min_distance']} to a training row replaced"
if 'too_close_replaced' in meta else ''}</p>{''.join(f"<p class='note'>warning: {html.escape(w)}</p>"
                                                   for w in meta.get('warnings', []))}</header>
<main>
<div class="cards">{card_html}</div>
<h2>Summary</h2>
<p class="note">Every figure is also computed for two reference tables: <b>holdout</b>, the real rows the synthesizer
never saw (what fresh real data scores), and <b>independent</b>, each column resampled on its own (shapes kept,
relationships destroyed).</p>
{table_html(summary)}
<h2>Columns: real vs synthetic</h2>
<div class="grid">{colplots}</div>
{table_html(percol)}
<h2>Associations between columns</h2>
<p class="note">Pearson correlation (numeric pairs), Cramér's V (categorical pairs) and the correlation ratio
(mixed pairs), on the real training rows and on the synthetic rows; the right panel is their absolute difference.</p>
<img class="wide" src="{_heatmaps(report)}" alt="association heatmaps">
<h2>Utility: train on synthetic, test on real</h2>
{util_html}
<h2>Privacy: distance to the closest training row</h2>
<p class="note">Synthetic rows should be no closer to the training rows than real holdout rows are; a spike at zero
would mean copied rows.</p>
<img class="wide" src="{_dcr_plot(report)}" alt="distance to closest record histogram">
{table_html(priv)}
{_coverage_section(report)}
{_bias_section(report)}
</main></body></html>
"""


def write_report(report: QualityReport, folder, train: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema,
                 **kwargs) -> dict:
    """Write ``report.html`` and ``report.json`` into ``folder``, each atomically."""
    from pathlib import Path

    from synthlearn.data.io import atomic_write

    from synthlearn.atomic import atomic_folder

    folder = Path(folder)
    page = render_html(report, train, synthetic, schema, **kwargs)
    text = report.to_json()

    def write(where: Path) -> None:
        atomic_write(where / "report.html", lambda tmp: tmp.write_text(page, encoding="utf-8"))
        atomic_write(where / "report.json", lambda tmp: tmp.write_text(text, encoding="utf-8"))

    if folder.is_dir():  # files beside others the folder holds (synthesize writes its outputs there)
        write(folder)
    else:  # a new folder appears whole or not at all
        atomic_folder(folder, write)
    return {"html": folder / "report.html", "json": folder / "report.json"}
