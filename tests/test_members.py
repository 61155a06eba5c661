"""Accounts and member organisations: sign-up with e-mail verification, applying and the
moderators' decision, invitations, roles and the last-admin rule, who may see which page,
and the public member pages (mapping.actions.members, mapping.views.members)."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from mapping.actions import members as actions
from mapping.actions import publishing
from mapping.actions.members import MembershipError
from mapping.conf import hartis_options
from mapping.models import (
    Activity,
    Invitation,
    MemberRole,
    Membership,
    MembershipStatus,
    Organization,
    OrganizationType,
    Publication,
    Service,
    TaxonomyTerm,
)

PASSWORD = "a long test password"


def _link(message_body: str) -> str:
    """The path of the one absolute link of the site in a mail body (allauth links to the
    host the request came to; our own e-mails to HARTIS['SITE_URL'])."""
    sites = "|".join(re.escape(site) for site in (hartis_options().site_url, "http://testserver"))
    return re.search(f"(?:{sites})" + r"(/\S+)", message_body).group(1)


def _login(client, user) -> None:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")


@pytest.fixture
def org_admin(make_member):
    return make_member("admin@a.example.org", role=MemberRole.ADMIN)


@pytest.fixture
def org_a(org_admin) -> Organization:
    return org_admin.memberships.get().organization


@pytest.fixture
def editor_b(make_member):
    return make_member("editor@b.example.org")


@pytest.fixture
def verified_user(db, django_user_model):
    """A verified account without any membership."""

    def build(email: str):
        user = django_user_model.objects.create_user(
            username=email.lower(), email=email, password=PASSWORD
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    return build


# --- Accounts (allauth in the site's layout) ---------------------------------------------------


@pytest.mark.django_db
def test_sign_up_sends_a_link_that_confirms_and_signs_in(client, mailoutbox):
    page = client.get(reverse("account_signup"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="site-header"' in html and "mapping/members.css" in html  # our layout
    assert 'name="email"' in html and 'name="password1"' in html and 'name="password2"' in html

    answer = client.post(
        reverse("account_signup"),
        {"email": "new.member@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert answer.status_code == 302
    assert answer.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session  # mandatory verification: not signed in yet
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["new.member@example.org"]
    confirm = _link(mailoutbox[0].body)
    assert "/accounts/confirm-email/" in confirm

    shown = client.get(confirm)  # a GET (a link preview) must not confirm
    assert shown.status_code == 200
    assert not EmailAddress.objects.get(email="new.member@example.org").verified
    confirmed = client.post(confirm)
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(email="new.member@example.org").verified
    home = client.get(reverse("members-home"))
    assert home.status_code == 200
    assert "new.member@example.org" in home.content.decode()
    assert reverse("organization-apply") in home.content.decode()  # no membership: how to join


@pytest.mark.django_db
def test_log_in_with_e_mail_and_password_lands_on_my_organisation(client, org_admin):
    page = client.get(reverse("account_login"))
    assert 'name="login"' in page.content.decode() and 'name="password"' in page.content.decode()
    answer = client.post(
        reverse("account_login"), {"login": "admin@a.example.org", "password": PASSWORD}
    )
    assert answer.status_code == 302 and answer.url == reverse("members-home")
    client.logout()
    wrong = client.post(
        reverse("account_login"), {"login": "admin@a.example.org", "password": "not it"}
    )
    assert wrong.status_code == 200 and 'class="errorlist' in wrong.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "rtl"), [("el", False), ("fr", False), ("ar", True), ("fa", True)]
)
def test_account_pages_are_translated_and_mirrored(client, language, rtl):
    with translation.override(language):
        url = reverse("account_login")
    html = client.get(url).content.decode()
    assert f'lang="{language}"' in html and ('dir="rtl"' in html) is rtl
    heading = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1).strip()
    assert heading and heading != "Sign In"  # allauth's own catalogue


@pytest.mark.django_db
def test_sign_out_message_shows_in_the_site_layout(client, org_admin):
    _login(client, org_admin)
    client.post(reverse("account_logout"))
    page = client.get(reverse("account_login"))
    assert 'class="messages"' in page.content.decode()  # "You have signed out."


# --- Applying and the moderators' decision ---------------------------------------------------


@pytest.mark.django_db
def test_apply_then_moderator_approves_and_the_admin_is_told(
    client, verified_user, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    applicant = verified_user("director@shelter.example.org")
    _login(client, applicant)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("organization-apply"),
            {
                "name": "  Shelter   of Kypseli ",
                "organization_type": OrganizationType.LOCAL_NGO,
                "description": "Night shelter.",
                "website": "https://shelter.example.org",
                "email": "info@shelter.example.org",
            },
        )
    organization = Organization.objects.get(name="Shelter of Kypseli")
    assert answer.status_code == 302
    assert organization.membership_status == MembershipStatus.PENDING
    assert Membership.objects.get(organization=organization).role == MemberRole.ADMIN
    assert [mail.to for mail in mailoutbox] == [["moderator@example.org"]]
    assert reverse("organization-applications") in mailoutbox[0].body
    dashboard = client.get(answer.url).content.decode()
    assert "waiting for the centre" in dashboard

    # Not a member yet: no public profile.
    assert client.get(reverse("member-profile", args=[organization.pk])).status_code == 404

    _login(client, moderator)
    listed = client.get(reverse("organization-applications")).content.decode()
    assert "Shelter of Kypseli" in listed and "director@shelter.example.org" in listed
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("organization-applications"),
            {"organization": organization.pk, "decision": "approve", "comment": "Welcome!"},
        )
    organization.refresh_from_db()
    assert organization.membership_status == MembershipStatus.APPROVED
    assert organization.member_since == timezone.localdate()
    decision = mailoutbox[-1]
    assert decision.to == ["director@shelter.example.org"]
    assert "Shelter of Kypseli is now a member" in decision.subject
    assert "Welcome!" in decision.body and reverse("members-home") in decision.body
    assert organization.history.first().history_user == moderator
    assert client.get(reverse("member-profile", args=[organization.pk])).status_code == 200


@pytest.mark.django_db
def test_decline_needs_a_comment_and_a_decided_application_stays_decided(
    client, verified_user, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    applicant = verified_user("someone@example.org")
    organization = actions.apply_for_membership(
        by=applicant, name="Group", organization_type="community_group"
    )
    _login(client, moderator)
    url = reverse("organization-applications")
    refused = client.post(url, {"organization": organization.pk, "decision": "decline"})
    assert refused.status_code == 400
    assert "Say why the application is declined." in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url,
            {"organization": organization.pk, "decision": "decline", "comment": "Not in Athens."},
        )
    organization.refresh_from_db()
    assert organization.membership_status == MembershipStatus.DECLINED
    assert "declined" in mailoutbox[-1].subject and "Not in Athens." in mailoutbox[-1].body
    with pytest.raises(MembershipError):
        actions.decide_application(by=moderator, organization=organization, approve=True)


@pytest.mark.django_db
def test_applying_twice_for_a_member_is_refused_on_the_form(client, org_a, verified_user):
    _login(client, verified_user("late@example.org"))
    answer = client.post(
        reverse("organization-apply"),
        {"name": org_a.name.upper(), "organization_type": "local_ngo"},
    )
    assert answer.status_code == 200
    assert "ask its admins to invite you" in answer.content.decode()
    missing_type = client.post(reverse("organization-apply"), {"name": "New one"})
    assert "This field is required." in missing_type.content.decode()
    assert not Organization.objects.filter(name="New one").exists()


# --- Invitations ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_invitation_by_e_mail_is_accepted_once_by_the_invited_address(
    client, org_admin, org_a, verified_user, mailoutbox, django_capture_on_commit_callbacks
):
    _login(client, org_admin)
    people = reverse("organization-people", args=[org_a.pk])
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            people,
            {
                "intent": "invite",
                "invite-email": "New.Colleague@Example.org",
                "invite-role": "editor",
            },
        )
    assert answer.status_code == 302
    assert mailoutbox[-1].to == ["New.Colleague@Example.org"]
    accept = _link(mailoutbox[-1].body)
    assert accept == reverse("invitation-accept", args=[Invitation.objects.get().token])

    again = client.post(
        people,
        {"intent": "invite", "invite-email": "new.colleague@example.org", "invite-role": "admin"},
    )
    assert again.status_code == 400 and "already has an open invitation" in again.content.decode()
    member = client.post(
        people, {"intent": "invite", "invite-email": "ADMIN@a.example.org", "invite-role": "editor"}
    )
    assert "is already a member of" in member.content.decode()
    assert Invitation.objects.count() == 1

    # Anonymous: the page explains, accepting asks to sign in.
    client.logout()
    assert "Sign in" in client.get(accept).content.decode()
    assert client.post(accept).url.startswith(reverse("account_login"))

    # Someone else's account: refused, clearly.
    _login(client, verified_user("someone.else@example.org"))
    wrong = client.post(accept)
    assert "This invitation is for New.Colleague@Example.org" in wrong.content.decode()
    assert not Membership.objects.filter(user__email="someone.else@example.org").exists()

    # The invited address, in other letter case: joins as editor, once.
    invited = verified_user("new.colleague@example.org")
    _login(client, invited)
    joined = client.post(accept)
    assert joined.status_code == 302
    assert Membership.objects.get(user=invited).organization == org_a
    assert Membership.objects.get(user=invited).role == MemberRole.EDITOR
    used = client.post(accept)
    assert "already been used" in used.content.decode()
    assert Membership.objects.filter(user=invited).count() == 1


@pytest.mark.django_db
def test_an_expired_invitation_is_refused(client, org_admin, org_a, verified_user):
    invitation = actions.invite(
        by=org_admin, organization=org_a, email="late@example.org", role="editor"
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    _login(client, verified_user("late@example.org"))
    url = reverse("invitation-accept", args=[invitation.token])
    assert "has expired" in client.get(url).content.decode()
    assert "has expired" in client.post(url).content.decode()
    assert not Membership.objects.filter(user__email="late@example.org").exists()
    # Expired no longer counts as open: a new invitation may be sent.
    actions.invite(by=org_admin, organization=org_a, email="late@example.org", role="editor")
    assert client.get(reverse("invitation-accept", args=["not-a-token"])).status_code == 404


@pytest.mark.django_db
def test_an_unverified_address_does_not_accept(org_admin, org_a, django_user_model):
    user = django_user_model.objects.create_user(username="u", email="u@example.org")
    EmailAddress.objects.create(user=user, email="u@example.org", verified=False, primary=True)
    invitation = actions.invite(
        by=org_admin, organization=org_a, email="u@example.org", role="editor"
    )
    with pytest.raises(MembershipError):
        actions.accept_invitation(by=user, token=invitation.token)


# --- Roles and the last admin ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_last_admin_is_never_demoted_or_removed(org_admin, org_a, make_member):
    own = org_admin.memberships.get()
    with pytest.raises(MembershipError, match="needs at least one admin"):
        actions.change_role(by=org_admin, membership=own, role=MemberRole.EDITOR)
    with pytest.raises(MembershipError):
        actions.remove_member(by=org_admin, membership=own)

    colleague = make_member("colleague@a.example.org", organization=org_a)
    theirs = colleague.memberships.get()
    with pytest.raises(PermissionDenied):  # editors do not manage people
        actions.change_role(by=colleague, membership=theirs, role=MemberRole.ADMIN)
    actions.change_role(by=org_admin, membership=theirs, role=MemberRole.ADMIN)
    actions.change_role(by=org_admin, membership=own, role=MemberRole.EDITOR)  # now allowed
    assert set(Membership.objects.filter(organization=org_a).values_list("role", flat=True)) == {
        MemberRole.ADMIN,
        MemberRole.EDITOR,
    }
    with pytest.raises(MembershipError):  # the colleague is the last admin now
        actions.remove_member(by=colleague, membership=colleague.memberships.get())
    actions.remove_member(by=org_admin, membership=org_admin.memberships.get())  # editors leave
    assert list(Membership.objects.filter(organization=org_a)) == [colleague.memberships.get()]


@pytest.mark.django_db
def test_people_page_changes_roles_and_refuses_the_last_admin(
    client, org_admin, org_a, make_member
):
    colleague = make_member("colleague@a.example.org", organization=org_a)
    people = reverse("organization-people", args=[org_a.pk])
    _login(client, org_admin)
    own = org_admin.memberships.get()
    refused = client.post(people, {"intent": "role", "membership": own.pk, "role": "editor"})
    assert refused.status_code == 400 and "needs at least one admin" in refused.content.decode()
    promoted = client.post(
        people,
        {"intent": "role", "membership": colleague.memberships.get().pk, "role": "admin"},
        follow=True,
    )
    assert "colleague@a.example.org is now Administrator." in promoted.content.decode()
    bad = client.post(people, {"intent": "role", "membership": "x", "role": "boss"})
    assert bad.status_code == 400

    _login(client, colleague)  # an admin now: may remove the first one
    client.post(people, {"intent": "remove", "membership": own.pk})
    assert not Membership.objects.filter(pk=own.pk).exists()


# --- Who sees which page -----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_editor_of_another_organisation_gets_403_on_every_page_of_ours(
    client, org_admin, org_a, editor_b
):
    theirs = org_admin.memberships.get()
    _login(client, editor_b)
    people = reverse("organization-people", args=[org_a.pk])
    edit = reverse("organization-edit", args=[org_a.pk])
    assert client.get(people).status_code == 403
    assert client.post(people, {"intent": "remove", "membership": theirs.pk}).status_code == 403
    invite = {"intent": "invite", "invite-email": "x@example.org", "invite-role": "admin"}
    assert client.post(people, invite).status_code == 403
    assert client.get(edit).status_code == 403
    assert (
        client.post(edit, {"name": "Taken over", "organization_type": "local_ngo"}).status_code
        == 403
    )
    home = reverse("members-home") + f"?organization={org_a.pk}"
    assert client.get(home).status_code == 403
    org_a.refresh_from_db()
    assert org_a.name != "Taken over" and Membership.objects.filter(pk=theirs.pk).exists()
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_editors_read_the_people_page_but_not_the_profile_form(client, org_a, make_member):
    editor = make_member("editor@a.example.org", organization=org_a)
    _login(client, editor)
    people = client.get(reverse("organization-people", args=[org_a.pk]))
    assert people.status_code == 200
    html = people.content.decode()
    assert "admin@a.example.org" in html and 'name="invite-email"' not in html
    assert 'value="role"' not in html
    assert client.get(reverse("organization-edit", args=[org_a.pk])).status_code == 403


@pytest.mark.django_db
def test_only_moderators_see_applications(client, org_admin, moderator):
    _login(client, org_admin)
    url = reverse("organization-applications")
    assert client.get(url).status_code == 403
    pending = Organization.objects.create(name="P", membership_status=MembershipStatus.PENDING)
    assert client.post(url, {"organization": pending.pk, "decision": "approve"}).status_code == 403
    pending.refresh_from_db()
    assert pending.membership_status == MembershipStatus.PENDING
    _login(client, moderator)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, org_a, moderator):
    login = reverse("account_login")
    for url in [
        reverse("members-home"),
        reverse("organization-apply"),
        reverse("organization-people", args=[org_a.pk]),
        reverse("organization-edit", args=[org_a.pk]),
        reverse("organization-applications"),
    ]:
        answer = client.get(url)
        assert answer.status_code == 302 and answer.url.startswith(f"{login}?next="), url


@pytest.mark.django_db
def test_admins_edit_their_profile_with_history(client, org_admin, org_a):
    _login(client, org_admin)
    url = reverse("organization-edit", args=[org_a.pk])
    bad = client.post(url, {"name": "", "organization_type": "local_ngo", "website": "not a url"})
    assert bad.status_code == 200
    assert (
        bad.content.decode().count('class="errorlist') >= 2
    )  # name and website, each at its field
    client.post(
        url,
        {
            "name": "Organisation A",
            "organization_type": "local_ngo",
            "description": "Legal aid.",
            "website": "https://a.example.org",
            "email": "info@a.example.org",
        },
    )
    org_a.refresh_from_db()
    assert (org_a.name, org_a.website) == ("Organisation A", "https://a.example.org")
    assert org_a.history.first().history_user == org_admin


# --- The dashboard and the public pages ------------------------------------------------------


CHANGES = {"fields": {"name": "Legal advice", "description": "Tuesdays."}}


@pytest.mark.django_db
def test_dashboard_shows_states_freshness_and_buttons(client, athens, org_admin, org_a, moderator):
    draft = publishing.create_draft(
        by=org_admin, model=Service, organization=org_a, changes=CHANGES
    )
    returned = publishing.create_draft(
        by=org_admin,
        model=Service,
        organization=org_a,
        changes={"fields": {"name": "Returned one"}},
    )
    publishing.submit_for_review(by=org_admin, record=returned)
    publishing.return_for_changes(by=moderator, record=returned, comment="Add the opening hours.")
    live = Service.objects.create(
        organization=org_a, name="Live one", assured_date=timezone.localdate()
    )
    publishing.edit(
        by=org_admin,
        record=live,
        changes={"fields": {"name": "Live one, renamed"}},
        loaded_version=1,
    )
    old = Service.objects.create(
        organization=org_a, name="Old one", assured_date=datetime.date(2020, 1, 1)
    )
    _login(client, org_admin)
    html = client.get(reverse("members-home")).content.decode()
    assert org_a.name in html and draft.name in html
    assert "state-draft" in html and "state-returned" in html and "Add the opening hours." in html
    assert "Changes waiting for review" in html  # the pending revision of the live one
    rows = re.findall(r"<tr>.*?</tr>", html, re.S)
    stale = {
        name: "state-stale" in row for row in rows for name in (live.name, old.name) if name in row
    }
    assert stale == {"Live one": False, "Old one": True}
    assert reverse("organization-people", args=[org_a.pk]) in html
    assert reverse("organization-edit", args=[org_a.pk]) in html


@pytest.mark.django_db
def test_moderators_choose_any_member_organisation(client, org_a, moderator):
    _login(client, moderator)
    html = client.get(reverse("members-home")).content.decode()
    assert f'<option value="{org_a.pk}"' in html
    chosen = client.get(reverse("members-home"), {"organization": str(org_a.pk)})
    assert chosen.status_code == 200 and f"<h1>{org_a.name}</h1>" in chosen.content.decode()
    assert client.get(reverse("members-home"), {"organization": "junk"}).status_code == 200


@pytest.mark.django_db
def test_public_profile_shows_published_records_only_and_only_for_members(
    client, athens, org_admin, org_a
):
    theme = TaxonomyTerm.objects.themes().first()
    now = timezone.now()
    Service.objects.create(organization=org_a, name="Published service")
    Service.objects.create(organization=org_a, name="Draft service", publication=Publication.DRAFT)
    Service.objects.create(organization=org_a, name="Closed service", status="defunct")

    def activity(title: str, starts: datetime.datetime, **fields) -> None:
        Activity.objects.create(
            organization=org_a,
            title=title,
            theme=theme,
            starts_at=starts,
            last_occurs_at=starts,
            **fields,
        )

    activity("Coming workshop", now + datetime.timedelta(days=3))
    activity("Past workshop", now - datetime.timedelta(days=3))
    activity("Draft workshop", now + datetime.timedelta(days=3), publication=Publication.DRAFT)

    html = client.get(reverse("member-profile", args=[org_a.pk])).content.decode()
    assert "Published service" in html and "Coming workshop" in html
    for hidden in ("Draft service", "Closed service", "Past workshop", "Draft workshop"):
        assert hidden not in html

    listed = client.get(reverse("member-list")).content.decode()
    assert org_a.name in listed and "1 service" in listed and "1 upcoming activity" in listed

    source_record = Organization.objects.create(name="From a source")
    pending = Organization.objects.create(name="Applied", membership_status="pending")
    for organization in (source_record, pending):
        assert client.get(reverse("member-profile", args=[organization.pk])).status_code == 404
        assert organization.name not in listed


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_list_pages_do_not_query_per_row(client, org_admin, org_a):
    """The member list counts in SQL and the dashboard flags revisions with EXISTS: more
    rows, same number of queries."""
    _login(client, org_admin)
    home, members = reverse("members-home"), reverse("member-list")
    Service.objects.create(organization=org_a, name="One")
    _queries(client, home)  # warm: content types and the session are cached after this
    before = _queries(client, home), _queries(client, members)
    for number in range(3):
        Service.objects.create(organization=org_a, name=f"More {number}")
        Organization.objects.create(name=f"Member {number}", membership_status="approved")
    assert (_queries(client, home), _queries(client, members)) == before
