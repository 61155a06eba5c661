"""Editing members' records through the moderated flow: service forms, review queue, history."""

from django.urls import path

from mapping.views.editing import moderation, services

urlpatterns = [
    path("my/<uuid:organization>/services/new/", services.service_create, name="service-create"),
    path("my/services/<uuid:pk>/edit/", services.service_edit, name="service-edit"),
    path("my/services/<uuid:pk>/submit/", services.service_submit, name="service-submit"),
]
# The moderators' queue, review and history pages (their own module).
urlpatterns += moderation.urlpatterns
