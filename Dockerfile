# The Telegram bot. Build: docker build -t dmpm-bot .
# Run:   docker run --stop-timeout 30 -e TELEGRAM_BOT_TOKEN=... dmpm-bot
#
# Dependencies come from hashed lock files (requirements*.lock; the README says how to regenerate
# them) and are installed in layers of their own, before any code is copied: a code change
# rebuilds only the wheel and the last layers, never the dependencies.

# -- stage 1: the bot's wheel, built with a pinned build backend ---------------------------------
FROM python:3.11-slim AS wheel
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements-build.lock /tmp/
RUN pip install --require-hashes --no-deps -r /tmp/requirements-build.lock
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
RUN pip wheel --no-deps --no-build-isolation --wheel-dir /wheels .

# -- stage 2: the image ---------------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DMPM_BOT_DB=/opt/dmpm-bot/knowledge.db \
    HEARTBEAT_FILE=/tmp/dmpm-bot.heartbeat

COPY requirements.lock /tmp/
RUN pip install --require-hashes --no-deps -r /tmp/requirements.lock && rm /tmp/requirements.lock

COPY --from=wheel /wheels /tmp/wheels
# The knowledge database is built here, at image build time, and is read-only at run time.
RUN pip install --no-deps /tmp/wheels/*.whl \
    && rm -rf /tmp/wheels \
    && mkdir -p /opt/dmpm-bot \
    && python -m bot build \
    && chmod -R a-w /opt/dmpm-bot

# A numeric user: no account is needed, and runtimes can check it is not root.
USER 10001:10001
# `python -m bot` puts the working directory first on sys.path: a read-only one, not /tmp.
WORKDIR /opt/dmpm-bot
# Healthy only while `serve` runs its loop: it touches $HEARTBEAT_FILE after every getUpdates
# (a long poll returns at least every ~10 s) or every 10 s while the webhook server runs.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-m", "bot", "health", "--max-age", "60"]
# Webhook mode only. Inside a container set WEBHOOK_LISTEN=0.0.0.0 and publish the port to the
# host's loopback for the reverse proxy: docker run -p 127.0.0.1:8443:8443 ...
EXPOSE 8443
# SIGTERM: serve stops fetching and finishes the updates in flight (up to 20 s), hence --stop-timeout 30.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot", "serve"]
