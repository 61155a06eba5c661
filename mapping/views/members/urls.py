"""Members' pages, mounted at /<lang>/members/ (names agreed with the other areas)."""

from django.urls import path

from mapping.views.members import public, views

urlpatterns = [
    path("", public.member_list, name="member-list"),
    path("<uuid:pk>/", public.member_profile, name="member-profile"),
    path("my/", views.members_home, name="members-home"),
    path("my/apply/", views.organization_apply, name="organization-apply"),
    path("my/<uuid:pk>/people/", views.organization_people, name="organization-people"),
    path("my/<uuid:pk>/edit/", views.organization_edit, name="organization-edit"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path(
        "moderation/applications/",
        views.organization_applications,
        name="organization-applications",
    ),
]
