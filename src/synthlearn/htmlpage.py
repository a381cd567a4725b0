"""Building blocks of synthlearn's self-contained HTML pages: style, embedded figures, tables.

Shared by the synthetic-data quality report (``synthlearn.evaluate``) and the
model-comparison report (``synthlearn.learn``). Figures are embedded as
base64 PNGs, so a page needs no network and no side files. matplotlib is
imported only when a figure is rendered.
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np
import pandas as pd

REAL, SYNTH, OTHER = "#4C72B0", "#DD8452", "#8C8C8C"

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:20px 32px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#b8c0cc;font-size:13px}main{padding:16px 32px;max-width:1200px}
h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d9dde3;padding-bottom:4px}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{background:#fff;border-radius:8px;padding:12px 16px;
min-width:150px;box-shadow:0 1px 2px rgba(0,0,0,.08)}.card .v{font-size:26px;font-weight:600}
.card .l{font-size:12px;color:#5b6473}.card .r{font-size:11px;color:#8a93a3}
.good{color:#2e7d32}.warn{color:#b26a00}.bad{color:#c62828}
table{border-collapse:collapse;background:#fff;font-size:13px;margin:6px 0;display:block;max-width:100%;overflow-x:auto}
th,td{padding:5px 10px;border-bottom:1px solid #e6e8eb;text-align:right}th{background:#eef0f3}
td:first-child,th:first-child{text-align:left}.grid{display:flex;flex-wrap:wrap;gap:8px}
.grid img{background:#fff;border-radius:6px}.note{font-size:13px;color:#5b6473;max-width:900px}
img.wide{max-width:100%;background:#fff;border-radius:6px}
"""


def figure_png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def fmt(v, digits=3) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        return f"{v:.{digits}f}"
    return html.escape(str(v))


def table_html(df: pd.DataFrame, digits: int = 3) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in [df.index.name or ""] + list(df.columns))
    body = "".join(
        "<tr>" + f"<td>{html.escape(str(i))}</td>" + "".join(f"<td>{fmt(v, digits)}</td>" for v in row) + "</tr>"
        for i, row in zip(df.index, df.itertuples(index=False))
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


