# Safer BCP hotspots dashboard, for a partnership server (see README: "Deploying for a partnership").
# Build: docker build -t safer-bcp-hotspots .     Run: docker compose up -d
FROM python:3.11-slim-bookworm

# No Debian packages are needed: the geospatial wheels (shapely, pyproj, pyogrio) bundle
# GEOS, PROJ and GDAL. Nothing is compiled, so no build tools either.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first (a layer that changes only with pyproject.toml), then the app.
COPY pyproject.toml README.md ./
COPY src/ src/
RUN pip install --no-cache-dir ".[app]"

COPY app.py overview.py ./
COPY app_pages/ app_pages/
# Streamlit serves ./static beside app.py; in the checkout it is a symlink to the package's folder.
# (The bundled geodata is inside the installed package.)
COPY src/hotspots/static/ static/
COPY .streamlit/config.toml .streamlit/config.toml

# A non-root user owns only the store volume; the code stays read-only to it.
RUN groupadd --system --gid 10001 hotspots \
    && useradd --system --uid 10001 --gid hotspots --home-dir /data --no-create-home hotspots \
    && mkdir -p /data/store \
    && chown -R hotspots:hotspots /data

ENV HOTSPOTS_STORE=/data/store \
    HOTSPOTS_GEODATA=/app/geodata \
    HOTSPOTS_AUDIT_LOG=/data/store/audit.jsonl \
    STREAMLIT_SERVER_PORT=8501 \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    STREAMLIT_SERVER_RUN_ON_SAVE=false \
    STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION=true \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

VOLUME ["/data"]
USER 10001:10001
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read().strip() == b'ok' else 1)"]

# Secrets (the [auth] section) are mounted at /app/.streamlit/secrets.toml; the role
# config at the path in HOTSPOTS_ACCESS. Without secrets the app runs in single-user mode.
# `streamlit run app.py` with the shared caches warming from the server's start (hotspots.ui.serve)
CMD ["python", "-m", "hotspots.ui.serve", "app.py"]
