# A single-stage image in the style `docker init` writes for Python: slim base, dependencies
# installed from a bind-mounted requirements.txt with a pip cache mount before the code, a
# non-root user, gunicorn started by a shell-form CMD (so /bin/sh is PID 1).
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
CMD gunicorn demo.app:app --bind=0.0.0.0:$PORT
