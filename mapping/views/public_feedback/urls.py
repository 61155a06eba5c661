"""Freshness and the public's feedback: stale reminders, problem reports, suggestions, numbers."""

from django.urls import path

from mapping.views.public_feedback import moderation, numbers, views

urlpatterns = [
    path("in-numbers/", numbers.in_numbers_page, name="in-numbers"),
    path("services/<uuid:pk>/report/", views.service_report, name="service-report"),
    path("suggest-a-service/", views.service_suggest, name="service-suggest"),
    path("services/<uuid:pk>/confirm/<str:token>/", views.service_confirm, name="service-confirm"),
    path("members/moderation/feedback/", moderation.feedback_queue, name="feedback-queue"),
    path("members/moderation/stale/", moderation.stale_dashboard, name="stale-dashboard"),
]
