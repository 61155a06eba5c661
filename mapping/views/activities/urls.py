"""Activities: the public upcoming list, the iCalendar feed, and members' activity forms."""

from django.urls import path

from mapping.views.activities import members, public

urlpatterns = [
    path("", public.activity_list, name="activity-list"),
    path("feed.ics", public.activity_feed, name="activity-feed"),
    path("<uuid:pk>/", public.activity_detail, name="activity-detail"),
    path("new/<uuid:organization>/", members.activity_create, name="activity-create"),
    path("<uuid:pk>/edit/", members.activity_edit, name="activity-edit"),
    path("<uuid:pk>/submit/", members.activity_submit, name="activity-submit"),
]
