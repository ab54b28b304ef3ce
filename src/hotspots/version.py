"""The package's one version string.

``pyproject.toml`` reads it from here (``[tool.setuptools.dynamic]``, parsed without importing),
``hotspots.__version__`` re-exports it, and modules below the package root import it from here
rather than from the root (which would make every layer depend on the public facade).
"""

__version__ = "0.1.0"
