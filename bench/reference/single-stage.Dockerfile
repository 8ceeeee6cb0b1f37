# A single-stage image in the style `docker init` writes for Python: slim base, dependencies
# installed from a bind-mounted requirements.txt with a pip cache mount before the code, a
# non-root user, and gunicorn as PID 1 through an exec-form CMD, as `docker init` writes it
# today (gunicorn binds to $PORT by itself when it is set).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
RUN useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --uid 10001 appuser
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=bind,source=requirements.txt,target=requirements.txt \
    python -m pip install -r requirements.txt
USER appuser
COPY . .
EXPOSE 8000
CMD ["gunicorn", "demo.app:app"]
