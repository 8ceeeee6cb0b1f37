# The "broken by default" pattern: unpinned base image, the whole context copied before the
# dependencies are installed (every code edit reinstalls them), root user, and a plain
# `python app.py` as PID 1 that ignores SIGTERM's graceful path.
FROM python:3
COPY . .
RUN pip install -r requirements.txt
CMD ["python", "app.py"]
