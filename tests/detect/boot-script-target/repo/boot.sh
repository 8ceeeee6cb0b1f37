#!/bin/sh
set -e
# migrations first
python -m svc.migrate
exec gunicorn \
  --bind 0.0.0.0:8080 \
  --access-logfile - \
  wsgi:application
