"""HTML from Jinja2 templates shipped in the package, with autoescaping always on.

Every value put into a template is HTML-escaped unless it is marked safe with
:func:`trusted` (SVG drawn by this package's own code, never data or user text):
the pack, the ward report and the patrol sheet cannot be given markup by a
location name, a ward or a note. Templates live in ``hotspots/templates``
(package data) and fail on an undefined name (``StrictUndefined``), so a typo is
an error, not an empty cell.

References
----------
Pallets (2024). Jinja 3.1 documentation: "Autoescaping" and "API / Loaders".
"""

from __future__ import annotations

from functools import cache
from typing import Any

__all__ = ["render", "trusted"]


@cache
def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(
        loader=PackageLoader("hotspots", "templates"),
        autoescape=True,  # every template, whatever its suffix
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, **context: Any) -> str:
    """``template`` (a file name in ``hotspots/templates``) rendered with ``context``."""
    return _environment().get_template(template).render(**context)


def trusted(markup: str):
    """Markup this package generated itself (inline SVG, CSS): inserted as it is."""
    from markupsafe import Markup

    return Markup(markup)
