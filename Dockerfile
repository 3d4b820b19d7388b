# syntax=docker/dockerfile:1
# Labmate: one image for web (gunicorn), the one-shot migrate, the Celery worker and Celery beat.

# --- build: dependencies from uv.lock, static files collected ------------------------------------
FROM python:3.13-slim AS build
ENV PYTHONDONTWRITEBYTECODE=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
RUN pip install --no-cache-dir uv
WORKDIR /app
# Dependencies first: this layer is reused until uv.lock changes.
COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN uv sync --frozen --no-dev
# collectstatic reads settings but no secret: throwaway values that never leave this stage.
# The compiled catalogues (locale/*/LC_MESSAGES/django.mo) are committed, so no gettext here.
RUN DJANGO_SETTINGS_MODULE=config.settings.production \
    SECRET_KEY=collectstatic-only-not-a-secret-5f0c2a9e7b1d4c6e8a3f0b2d4e6c8a1f3b5d7e9 \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build:build@localhost:5432/build \
    LABMATE_VAR_DIR=/app/var \
    .venv/bin/python manage.py collectstatic --noinput

# --- runtime: no compilers, no uv, a non-root user ----------------------------------------------
FROM python:3.13-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    LABMATE_VAR_DIR=/app/var
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/labmate labmate
WORKDIR /app
# Code and static files stay root-owned; only var/ (beat schedule, file cache, mail) is writable.
COPY --from=build /app /app
RUN mkdir -p /app/var/cache /app/var/mail \
    && chown labmate:labmate /app/var /app/var/cache /app/var/mail
USER labmate
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "-w", "2", "-b", "0.0.0.0:8000", "--access-logfile", "-"]
