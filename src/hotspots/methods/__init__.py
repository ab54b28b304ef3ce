"""Hotspot methods: pure numpy / scikit-learn / scipy, metres of EPSG:27700."""
