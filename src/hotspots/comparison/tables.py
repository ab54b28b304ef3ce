"""Tables the Community Safety Partnership already publishes, reproduced from data.

* :func:`asb_subtype_table`: ASB by subtype (personal, nuisance, environmental)
  by financial year (April to March) with totals, where the data has subtypes
  (police.uk publishes none: the table then says so and shows totals only).
* :func:`quarterly_table`: the quarterly indicator table, a baseline financial
  year's total against Q1..Q4 of the current financial year (Q1 = April-June),
  for indicators such as "total ASB reports", "personal ASB", "total crime",
  "violence and sexual offences".

Each returns a :class:`PublishedTable` that writes CSV, Markdown and HTML (text
escaped with :func:`html.escape`).
"""

from __future__ import annotations

import html
import math
import numbers
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from hotspots.comparison.windows import dataset_months
from hotspots.data import schema as S
from hotspots.data.areas import Area, resolve_area
from hotspots.data.select import filter_records, month_range
from hotspots.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "DEFAULT_INDICATORS",
    "INDICATORS",
    "PublishedTable",
    "asb_subtype_table",
    "financial_year",
    "fy_label",
    "fy_quarter",
    "parse_financial_year",
    "quarterly_table",
]

# indicator name -> (categories, asb subtype or None)
INDICATORS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "total ASB reports": ((S.ASB,), None),
    "personal ASB": ((S.ASB,), "personal"),
    "nuisance ASB": ((S.ASB,), "nuisance"),
    "environmental ASB": ((S.ASB,), "environmental"),
    "total crime": (S.CRIME_CATEGORIES, None),
    "violence and sexual offences": (("Violence and sexual offences",), None),
}
DEFAULT_INDICATORS: tuple[str, ...] = (
    "total ASB reports",
    "personal ASB",
    "total crime",
    "violence and sexual offences",
)
#: Labels of the partnership's indicators when the counts are police.uk records.
POLICE_UK_LABELS: dict[str, str] = {
    "total ASB reports": "police.uk ASB records",
    "total crime": "police.uk crime records",
}
#: Said under any table built from police.uk records.
SOURCE_NOTE = (
    "Counts are police.uk street-level records (simulated data follow the same format). The "
    "partnership's own indicators, such as total ASB reports, come from the force recording "
    "system and are not the same counts: police.uk leaves out some records and locates "
    "the rest at anonymised points, so its totals differ from the published ones."
)
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_QUARTER_MONTHS = ("Apr–Jun", "Jul–Sep", "Oct–Dec", "Jan–Mar")


def financial_year(month: str) -> int:
    """Return the financial year (April to March) of a ``YYYY-MM`` month, by its starting year."""
    y, m = int(month[:4]), int(month[5:7])
    return y if m >= 4 else y - 1


def fy_label(fy: int) -> str:
    """``2023`` -> ``"2023/24"``."""
    return f"{fy}/{(fy + 1) % 100:02d}"


def parse_financial_year(value: int | str, argument: str = "year") -> int:
    """Accept ``2023``, ``"2023"``, ``"2023/24"`` or ``"2023-24"``; return the starting year."""
    text = str(value).strip()
    head, sep, tail = text.replace("-", "/").partition("/")
    try:
        fy = int(head)
    except ValueError:
        fy = -1
    ok = 1990 <= fy <= 2100
    if ok and sep:
        ok = tail.isdigit() and int(tail) % 100 == (fy + 1) % 100
    if not ok:
        raise InputError(
            argument,
            value,
            "a financial year such as 2023 or 2023/24 (April to March)",
        )
    return fy


def fy_quarter(month: str) -> int:
    """Financial-year quarter 1-4 of a ``YYYY-MM`` month (Q1 = April-June)."""
    m = int(month[5:7])
    return (m - 4) % 12 // 3 + 1


def _fy_months(fy: int) -> list[str]:
    return month_range(f"{fy}-04", f"{fy + 1}-03")


@dataclass(frozen=True)
class PublishedTable:
    """A table ready to publish.

    Attributes
    ----------
    title : str.
    frame : DataFrame with plain column names (see ``labels`` for display headers);
        missing values (NA) mean "not available".
    labels : display header for each column of ``frame``.
    notes : plain-English caveats (missing months, no subtypes...).
    """

    title: str
    frame: pd.DataFrame
    labels: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def _cell(self, v: object) -> str:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return "n/a"
        if isinstance(v, float):
            if not math.isfinite(v):
                return "n/a"
            return f"{v:,.0f}" if v.is_integer() else f"{v:,.1f}"
        if isinstance(v, numbers.Integral):
            return f"{int(v):,}"
        if isinstance(v, numbers.Real):
            v = float(v)
            return f"{v:,.0f}" if v.is_integer() else f"{v:,.1f}"
        return str(v)

    def _display_rows(self) -> tuple[list[str], list[list[str]]]:
        cols = list(self.frame.columns)
        head = [self.labels.get(c, c) for c in cols]
        rows = [[self._cell(v) for v in rec] for rec in self.frame.itertuples(index=False)]
        return head, rows

    def to_csv(self) -> str:
        """CSV with the plain column names; NA written as an empty field."""
        return self.frame.to_csv(index=False, lineterminator="\n")

    def to_markdown(self) -> str:
        """Return the table as Markdown (pipes escaped)."""
        head, rows = self._display_rows()

        def esc(s: str) -> str:
            return s.replace("|", "\\|").replace("\n", " ")

        out = [f"### {esc(self.title)}", ""]
        out.append("| " + " | ".join(esc(h) for h in head) + " |")
        out.append("|" + "|".join(":---" if i == 0 else "---:" for i in range(len(head))) + "|")
        out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
        if self.notes:
            out.append("")
            out += [f"- {esc(n)}" for n in self.notes]
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        """Return the table as escaped HTML with its caption."""
        head, rows = self._display_rows()
        e = html.escape
        parts = [
            '<table class="hotspots-table">',
            f"<caption>{e(self.title)}</caption>",
            "<thead><tr>",
        ]
        parts += [f'<th scope="col">{e(h)}</th>' for h in head]
        parts.append("</tr></thead><tbody>")
        for r in rows:
            cells = [f'<th scope="row">{e(r[0])}</th>'] + [f"<td>{e(c)}</td>" for c in r[1:]]
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</tbody></table>")
        if self.notes:
            parts.append(
                '<ul class="hotspots-notes">'
                + "".join(f"<li>{e(n)}</li>" for n in self.notes)
                + "</ul>",
            )
        return "\n".join(parts) + "\n"

    def render(self, fmt: str) -> str:
        """``csv``, ``markdown`` (or ``md``) or ``html``."""
        f = fmt.lower()
        if f == "csv":
            return self.to_csv()
        if f in ("markdown", "md"):
            return self.to_markdown()
        if f == "html":
            return self.to_html()
        raise InputError("format", fmt, "csv, markdown or html")

    def to_dict(self) -> dict:
        """Return the title, columns, labels and rows, JSON-safe."""
        return {
            "title": self.title,
            "columns": list(self.frame.columns),
            "labels": dict(self.labels),
            "rows": [
                {k: (None if (not isinstance(v, str) and pd.isna(v)) else v) for k, v in r.items()}
                for r in self.frame.astype(object).to_dict(orient="records")
            ],
            "notes": list(self.notes),
        }


def _area_records(
    records: pd.DataFrame,
    area: Area | str | None,
    categories: str | list[str] | tuple[str, ...] | None,
) -> tuple[pd.DataFrame, Area]:
    a = resolve_area(area)
    return filter_records(records, categories=categories, area=a), a


# --------------------------------------------------------------------------- ASB subtypes
def asb_subtype_table(
    records: pd.DataFrame,
    *,
    area: Area | str | None = None,
    years: Iterable[int | str] | None = None,
    available_months: Iterable[str] | None = None,
) -> PublishedTable:
    """ASB records by subtype and financial year, with totals.

    Parameters
    ----------
    records : canonical records.
    area : area spec, default BCP.
    years : financial years (``2023`` or ``"2023/24"``); default every financial
        year with data.
    available_months : months the dataset covers (default: from the records).

    Returns
    -------
    PublishedTable
        Rows ``personal``, ``nuisance``, ``environmental``, ``not recorded`` (only
        when some ASB records lack a subtype) and ``total``; one column per
        financial year. When no record has a subtype (police.uk data), the
        subtype rows are NA and a note says the data has no subtypes.
    """
    have = list(available_months) if available_months is not None else dataset_months(records)
    fys = (
        sorted({parse_financial_year(y, "years") for y in years})
        if years is not None
        else sorted({financial_year(m) for m in have})
    )
    sub, a = _area_records(records, area, (S.ASB,))
    notes: list[str] = []
    month = sub[S.MONTH].astype(str)
    fy = month.map(financial_year) if len(sub) else pd.Series([], dtype="int64")
    subtype = sub[S.ASB_SUBTYPE]
    has_subtypes = bool(subtype.notna().any())
    if S.SOURCE not in sub or S.SOURCE_FORCE_EXPORT not in set(sub[S.SOURCE].dropna()):
        notes.append(SOURCE_NOTE)
    if not has_subtypes:
        notes.append(
            "This data has no ASB subtypes (police.uk publishes none): only the totals are shown. "
            "Import a force export with an ASB type column to fill the subtype rows.",
        )
    rows: dict[str, dict[str, object]] = {st: {} for st in S.ASB_SUBTYPES}
    missing_sub = subtype.isna()
    n_missing = int(missing_sub.sum())
    if has_subtypes and n_missing:
        rows["not recorded"] = {}
        notes.append(f"{n_missing:,} ASB records have no subtype: shown as 'not recorded'")
    rows["total"] = {}
    for y in fys:
        col = fy_label(y)
        in_y = (fy == y).to_numpy(dtype=bool) if len(sub) else []
        ys = subtype[in_y] if len(sub) else subtype
        for st in S.ASB_SUBTYPES:
            rows[st][col] = int((ys == st).sum()) if has_subtypes else pd.NA
        if "not recorded" in rows:
            rows["not recorded"][col] = int(ys.isna().sum())
        rows["total"][col] = len(ys)
        months_present = [m for m in _fy_months(y) if m in set(have)]
        if len(months_present) < 12:
            notes.append(
                f"{col}: {len(months_present)} of 12 months of data"
                + (f" ({months_present[0]} to {months_present[-1]})" if months_present else ""),
            )
    frame = pd.DataFrame(
        [{"asb_subtype": k, **v} for k, v in rows.items()],
        columns=["asb_subtype", *[fy_label(y) for y in fys]],
    )
    for c in frame.columns[1:]:
        frame[c] = frame[c].astype("Int64")
    labels = {"asb_subtype": "ASB subtype", **{fy_label(y): fy_label(y) for y in fys}}
    return PublishedTable(
        f"Anti-social behaviour by subtype and financial year, {a.name}",
        frame,
        labels,
        tuple(notes),
    )


# --------------------------------------------------------------------------- quarterly
def _indicator(name: str) -> tuple[str, tuple[str, ...], str | None]:
    for k, v in INDICATORS.items():
        if k.lower() == name.strip().lower():
            return k, v[0], v[1]
    try:
        cats = S.resolve_categories(name)
    except InputError:
        raise InputError(
            "indicators",
            name,
            "an indicator name or a police.uk category",
            "Indicators: " + "; ".join(INDICATORS) + ".",
        ) from None
    return name, cats, None


def quarterly_table(
    records: pd.DataFrame,
    *,
    year: int | str | None = None,
    baseline_year: int | str | None = None,
    indicators: Iterable[str] = DEFAULT_INDICATORS,
    area: Area | str | None = None,
    available_months: Iterable[str] | None = None,
) -> PublishedTable:
    """Return the quarterly indicator table: baseline year total against Q1..Q4 of the current year.

    Parameters
    ----------
    records : canonical records.
    year : financial year reported (``2023`` or ``"2023/24"``); default the latest
        with data.
    baseline_year : the comparison financial year; default the previous year,
        or the latest earlier year with data when the previous one has none.
    indicators : names from :data:`INDICATORS` or police.uk category names.
    area : area spec, default BCP.
    available_months : months the dataset covers (default: from the records).

    Returns
    -------
    PublishedTable
        Columns ``indicator``, ``baseline_total``, ``q1``..``q4`` (NA for a
        quarter without data), ``year_to_date``, ``current_same_months`` and
        ``baseline_same_months`` (each year's counts over the calendar months
        present in both years) and ``pct_change`` (the first against the second). Quarters
        are financial-year quarters (Q1 = April-June).
    """
    have = list(available_months) if available_months is not None else dataset_months(records)
    if not have:
        raise InputError("records", "no months of data", "records with at least one month")
    fys_with_data = sorted({financial_year(m) for m in have})
    fy = parse_financial_year(year, "year") if year is not None else fys_with_data[-1]
    notes: list[str] = []
    if baseline_year is not None:
        base = parse_financial_year(baseline_year, "baseline_year")
    else:
        earlier = [y for y in fys_with_data if y < fy]
        base = fy - 1
        if base not in fys_with_data and earlier:
            base = earlier[-1]
            notes.append(f"baseline set to {fy_label(base)}, the latest earlier year with data")
        elif base in fys_with_data:
            notes.append(f"baseline set to {fy_label(base)}, the previous financial year")
    have_set = set(have)
    cur_months = [m for m in _fy_months(fy) if m in have_set]
    base_months = [m for m in _fy_months(base) if m in have_set]
    if not cur_months:
        raise InputError("year", fy_label(fy), "a financial year with data",
                         f"Years with data: {', '.join(fy_label(y) for y in fys_with_data)}.")  # fmt: skip
    # the calendar months present in both years: the like-for-like comparison
    common_cal = {m[5:] for m in cur_months} & {m[5:] for m in base_months}
    cur_same = [m for m in cur_months if m[5:] in common_cal]
    base_same = [m for m in base_months if m[5:] in common_cal]
    if len(base_months) < 12:
        notes.append(
            f"baseline {fy_label(base)} has {len(base_months)} of 12 months of data: "
            "its total is incomplete",
        )
    for q in range(1, 5):
        qm = list(_fy_months(fy)[3 * (q - 1) : 3 * q])
        present = [m for m in qm if m in have_set]
        if present and len(present) < 3:
            notes.append(
                f"Q{q} {fy_label(fy)} is partial: {len(present)} of 3 months "
                f"({', '.join(present)})",
            )
    if len(cur_same) < len(cur_months):
        unmatched = [m for m in cur_months if m not in cur_same]
        order = sorted(common_cal, key=lambda c: (int(c) - 4) % 12)
        names = ", ".join(_MONTH_NAMES[int(c) - 1] for c in order)
        notes.append(
            f"the % change compares only the calendar months present in both years ({names}); "
            f"{', '.join(unmatched)} {'has' if len(unmatched) == 1 else 'have'} no baseline month"
            if cur_same
            else "the baseline has none of the current year's calendar months: no % change",
        )
    a = resolve_area(area)
    base_and_cur = filter_records(records, area=a)
    month = base_and_cur[S.MONTH].astype(str)
    sources = set(base_and_cur[S.SOURCE].dropna().unique()) if S.SOURCE in base_and_cur else set()
    from_police_uk = S.SOURCE_FORCE_EXPORT not in sources
    if from_police_uk:
        notes.append(SOURCE_NOTE)
    rows: list[dict[str, object]] = []
    subtype_missing = False
    for name in indicators:
        label, cats, subtype = _indicator(name)
        label = POLICE_UK_LABELS.get(label, label) if from_police_uk else label
        m = base_and_cur[S.CATEGORY].isin(cats).to_numpy(dtype=bool)
        if subtype is not None:
            st = base_and_cur[S.ASB_SUBTYPE]
            if not bool(st[m].notna().any()):
                subtype_missing = True
                rows.append({"indicator": label})
                continue
            m = m & (st == subtype).fillna(False).to_numpy(dtype=bool)
        counts = month[m].value_counts()

        def total(months: list[str], counts: pd.Series = counts) -> int:
            return int(sum(int(counts.get(x, 0)) for x in months))

        # a baseline year with no data at all is "n/a", not a real zero
        row: dict[str, object] = {
            "indicator": label,
            "baseline_total": total(base_months) if base_months else pd.NA,
        }
        for q in range(1, 5):
            qm = _fy_months(fy)[3 * (q - 1) : 3 * q]
            present = [x for x in qm if x in have_set]
            row[f"q{q}"] = total(present) if present else pd.NA
        row["year_to_date"] = total(cur_months)
        cur, same = total(cur_same), total(base_same)
        row["current_same_months"] = cur if cur_same else pd.NA
        row["baseline_same_months"] = same if base_same else pd.NA
        row["pct_change"] = (
            round(100.0 * (cur - same) / same, 1) if base_same and same > 0 else pd.NA
        )
        rows.append(row)
    if subtype_missing:
        notes.append(
            "ASB subtype indicators are n/a: this data has no ASB subtypes "
            "(police.uk publishes none)",
        )
    cols = [
        "indicator",
        "baseline_total",
        "q1",
        "q2",
        "q3",
        "q4",
        "year_to_date",
        "current_same_months",
        "baseline_same_months",
        "pct_change",
    ]
    frame = pd.DataFrame(rows, columns=cols)
    for c in cols[1:-1]:
        frame[c] = frame[c].astype("Int64")
    frame["pct_change"] = frame["pct_change"].astype("Float64")
    labels = {
        "indicator": "Indicator",
        "baseline_total": f"Baseline {fy_label(base)}",
        **{f"q{q}": f"Q{q} {_QUARTER_MONTHS[q - 1]}" for q in range(1, 5)},
        "year_to_date": f"{fy_label(fy)} to date",
        "current_same_months": f"{fy_label(fy)}, months in both years",
        "baseline_same_months": f"{fy_label(base)}, months in both years",
        "pct_change": "% change",
    }
    title = f"Quarterly indicators {fy_label(fy)} against baseline {fy_label(base)}, {a.name}"
    return PublishedTable(title, frame, labels, tuple(notes))
