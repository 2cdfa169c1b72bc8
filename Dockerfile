# The Chronicle API: python:3.11-slim, dependencies from uv.lock, a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN pip install --no-cache-dir "uv>=0.5,<1"

WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY api ./api
COPY core ./core
COPY store ./store
RUN uv sync --frozen --no-dev --no-editable

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin chronicle \
    && mkdir -p /app/data && chown chronicle /app/data
USER chronicle

# Authentication is on: the container refuses to start until a key is configured
# (CHRONICLE_JWT_SECRET, or CHRONICLE_JWT_PUBLIC_KEY_FILE / CHRONICLE_JWT_JWKS_FILE).
# Add the names clients reach it by to CHRONICLE_ALLOWED_HOSTS.
ENV CHRONICLE_ALLOW_ANONYMOUS=false
EXPOSE 8000
CMD ["chronicle", "serve", "--host", "0.0.0.0", "--port", "8000"]
