#!/usr/bin/env bash
# Set up (first time) and start the dashboard on the bundled real data: http://localhost:8501
# `python -m hotspots.ui.serve app.py` is `streamlit run app.py` with the shared caches (store,
# records, the first pages' views) warming in the server from its start (issue 23).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m hotspots.ui.serve app.py "$@"
