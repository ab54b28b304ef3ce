"""The only modules that import streamlit: caching, query-string state, shared widgets."""
