# The Telegram bot. Build: docker build -t dmpm-bot .
# Run:   docker run -e TELEGRAM_BOT_TOKEN=... dmpm-bot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DMPM_BOT_DB=/opt/dmpm-bot/knowledge.db

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
RUN pip install . \
    && mkdir -p /opt/dmpm-bot \
    && python -m bot build \
    && chmod -R a-w /opt/dmpm-bot \
    && useradd --create-home --uid 10001 bot \
    && rm -rf /src

USER bot
WORKDIR /home/bot
# The knowledge database is built above, at image build time, and is read-only at run time.
HEALTHCHECK --interval=60s --timeout=10s --start-period=20s --retries=3 \
    CMD python -m bot ask "flare on 5 mg pred with MTX" > /dev/null || exit 1
EXPOSE 8443
CMD ["python", "-m", "bot", "serve"]
