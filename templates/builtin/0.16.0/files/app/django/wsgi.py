"""The WSGI application gunicorn serves (`{{ module }}.wsgi:application`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{ module }}.settings")

application = get_wsgi_application()
