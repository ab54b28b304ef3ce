"""Comparisons between periods and areas, and intervention evaluation."""
