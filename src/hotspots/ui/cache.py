"""Streamlit caching of datasets: the only module that wraps ``st.cache_*``.

Cached functions depend only on their arguments; the store version (which
changes whenever the store's content changes) is part of every key.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hotspots.data.store import Store, open_dataset

__all__ = ["get_store", "load_records", "DATASET_LABELS"]

DATASET_LABELS = {
    "bundled": "Real data (police.uk, 8 months bundled)",
    "simulated": "SIMULATED data (2020–2023, known truth)",
    "uploaded": "Uploaded data",
}


def get_store(dataset: str) -> Store:
    """Open (and on first use build) a dataset's store."""
    return _build_once(dataset)


@st.cache_resource(show_spinner="Preparing the dataset (first run only)…")
def _build_once(dataset: str) -> Store:
    return open_dataset(dataset)


@st.cache_data(show_spinner="Loading records…", max_entries=4)
def _records(path: str, version: str) -> pd.DataFrame:
    return Store(path).records()


def load_records(dataset: str) -> tuple[pd.DataFrame, str]:
    """(records, version) for a dataset; cached on the store version."""
    store = get_store(dataset)
    version = store.version
    return _records(str(store.path), version), version
