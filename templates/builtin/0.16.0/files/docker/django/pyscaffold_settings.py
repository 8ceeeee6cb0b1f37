"""The Django settings this image runs: `{{ django_settings_module }}`, as it is, and what it
leaves unset read from the environment ({{ django_env | join(sep=" and ") }}).

`pyscaffold init` wrote this because `{{ django_settings_module }}` sets no
{{ django_env | join(sep=" and no ") }}; your settings stay as they are. Once they set
{% if django_env | length > 1 %}them{% else %}it{% endif %}, run `pyscaffold upgrade --set django_env=none` and this file goes.
"""

import os

from {{ django_settings_module }} import *  # noqa: F403  (the project's settings, as they are)
{%- if 'SECRET_KEY' in django_env %}

# Django signs sessions, password resets and messages with it: set DJANGO_SECRET_KEY from your
# secret store where you deploy (the smoke test passes one).
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("set DJANGO_SECRET_KEY (e.g. from your secret store)")
{%- endif %}
{%- if 'ALLOWED_HOSTS' in django_env %}

# The host names the site answers to, comma-separated; the default serves the health check
# and a local run. Set DJANGO_ALLOWED_HOSTS to your domains where you deploy.
ALLOWED_HOSTS = [
    host
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
    if host
]
{%- endif %}
