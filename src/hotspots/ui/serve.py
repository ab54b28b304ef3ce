"""Start the dashboard with its caches warming from the first moment: ``streamlit run`` plus a warm-up.

    python -m hotspots.ui.serve app.py [streamlit run options]

is ``streamlit run app.py [options]`` (the same server, options and config) that first
starts :func:`hotspots.ui.warm.start_warm_up` in a background thread of the server
process: the bundled store is opened (built on a first run), its records read and the
Overview's and the Hotspot map's default views computed into Streamlit's shared caches
while the server starts and before anyone opens a page. ``scripts/run-app.sh`` and the
container start the app this way; plain ``streamlit run app.py`` still works and starts
the same warm-up when its first session opens (later).
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Warm up in the background, then run Streamlit's own ``streamlit run`` command line."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0].startswith("-"):
        print("usage: python -m hotspots.ui.serve APP.py [streamlit run options]", file=sys.stderr)
        return 2
    from hotspots.ui.warm import start_warm_up

    start_warm_up()  # first: it runs while Streamlit's own server starts
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", *args]
    try:
        cli.main(prog_name="streamlit")
    except SystemExit as exc:  # click ends with SystemExit
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
