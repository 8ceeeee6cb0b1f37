"""The example {{ framework | upper }} app: replace it with your own, keep the health endpoint."""
{% include "_partials/generic-app" %}
