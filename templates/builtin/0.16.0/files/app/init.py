"""{{ name }}: a {% if framework == 'worker' %}worker{% else %}service{% endif %} packaged by pyscaffold."""

__version__ = "0.1.0"
{%- if framework in ['wsgi', 'asgi'] and app_file == module ~ '/__init__.py' %}
{% include "_partials/generic-app" %}
{%- endif %}
