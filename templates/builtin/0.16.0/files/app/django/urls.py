"""URL routes of {{ name }}."""

from django.urls import path

from . import views

urlpatterns = [
    path("{{ health_path | trim_start(pat='/') }}", views.health),
    path("", views.index),
]
