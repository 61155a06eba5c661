"""The support board: members-only open calls, what stays on the board, posting with an
expiry window and optimistic locking, closing, responding (stored, e-mailed on commit, seen
only by the two organisations), and row-level access across organisations."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override as translation_override

from geodata.models import District
from mapping.actions import board
from mapping.actions.publishing import EditConflict
from mapping.models import (
    CallResponse,
    MembershipStatus,
    OpenCall,
    Organization,
    TaxonomyTerm,
)


@pytest.fixture
def poster(make_member):
    return make_member("poster@a.example.org")


@pytest.fixture
def responder(make_member):
    return make_member("responder@b.example.org")


@pytest.fixture
def bystander(make_member):
    return make_member("bystander@c.example.org")


def _org(user) -> Organization:
    return user.memberships.get().organization


def _today() -> datetime.date:
    return timezone.localdate()


def _fields(**overrides) -> board.CallFields:
    values = {
        "kind": "need",
        "category": "interpreters",
        "title": "Farsi interpreter for Tuesday mornings",
        "description": "Legal counselling sessions at our Kypseli office.",
        "expires_on": _today() + datetime.timedelta(days=14),
    }
    return board.CallFields(**{**values, **overrides})


def _post(user, **overrides) -> OpenCall:
    return board.post_call(by=user, organization=_org(user), fields=_fields(**overrides))


def _form_data(call: OpenCall | None = None, **overrides) -> dict:
    data = {
        "kind": "offer",
        "category": "space",
        "title": "Meeting room free on Fridays",
        "description": "Room for 20 people near Omonia.",
        "theme": "",
        "district": "",
        "expires_on": (_today() + datetime.timedelta(days=30)).isoformat(),
    }
    if call is not None:
        data["version"] = call.version
    return {**data, **overrides}


# --- Who sees the board --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_board_is_for_members_and_moderators(
    athens, client, django_user_model, poster, moderator
):
    url = reverse("board")
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and reverse("account_login") in anonymous["Location"]

    client.force_login(django_user_model.objects.create_user("someone", "s@example.org", "pw"))
    assert client.get(url).status_code == 403

    applicant = django_user_model.objects.create_user("applicant", "ap@example.org", "pw")
    pending = Organization.objects.create(
        name="Applicant", membership_status=MembershipStatus.PENDING
    )
    applicant.memberships.create(organization=pending)
    client.force_login(applicant)
    assert client.get(url).status_code == 403  # not a member organisation yet

    _post(poster)
    for user in (poster, moderator):
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == 200
        assert "Farsi interpreter for Tuesday mornings" in page.content.decode()


@pytest.mark.django_db
def test_closed_and_expired_calls_leave_the_board(athens, client, poster):
    today = _today()
    last_day = _post(poster, title="Last day today", expires_on=today)
    expired = _post(poster, title="Expired yesterday", expires_on=today + datetime.timedelta(1))
    OpenCall.objects.filter(pk=expired.pk).update(expires_on=today - datetime.timedelta(days=1))
    closed = _post(poster, title="Closed call")
    board.close_call(by=poster, call=closed)

    assert set(OpenCall.objects.on_board(today)) == {last_day}
    client.force_login(poster)
    page = client.get(reverse("board")).content.decode()
    assert "Last day today" in page
    assert "Expired yesterday" not in page and "Closed call" not in page
    # A closed call's page still opens (for its history) but says so and takes no response.
    detail = client.get(reverse("board-call", args=[closed.pk])).content.decode()
    assert "This call is closed." in detail


@pytest.mark.django_db
def test_board_filters_and_bad_filter_values(athens, client, poster):
    theme = TaxonomyTerm.objects.themes().first()
    district = District.objects.filter(municipality=athens).order_by("number").first()
    _post(poster, title="Need with theme", theme=theme, district=district)
    _post(poster, title="Offer of goods", kind="offer", category="goods")
    client.force_login(poster)

    def titles(**params) -> str:
        response = client.get(reverse("board"), params)
        assert response.status_code == 200
        return response.content.decode()

    page = titles(kind="offer")
    assert "Offer of goods" in page and "Need with theme" not in page
    page = titles(theme=theme.code, district=district.number)
    assert "Need with theme" in page and "Offer of goods" not in page
    page = titles(category="goods")
    assert "Offer of goods" in page and "Need with theme" not in page
    # Nonsense values are reported and left off, never a server error.
    page = titles(kind="everything", district="nine-hundred", theme="<script>")
    assert "Some filters were not understood" in page
    assert "Offer of goods" in page and "Need with theme" in page


# --- Posting, editing, closing ---------------------------------------------------------------


@pytest.mark.django_db
def test_posting_a_call_through_the_form_with_the_expiry_window(athens, client, poster):
    client.force_login(poster)
    url = reverse("board-call-create", args=[_org(poster).pk])
    assert client.get(url).status_code == 200

    yesterday = (_today() - datetime.timedelta(days=1)).isoformat()
    refused = client.post(url, _form_data(expires_on=yesterday))
    assert refused.status_code == 200
    assert refused.context["form"].errors["expires_on"] == ["Choose today or a later date."]
    too_far = (_today() + datetime.timedelta(days=board.MAX_DAYS_OPEN + 1)).isoformat()
    refused = client.post(url, _form_data(expires_on=too_far))
    assert "at most 180 days" in refused.context["form"].errors["expires_on"][0]
    refused = client.post(url, _form_data(expires_on="not a date"))
    assert refused.status_code == 200 and "expires_on" in refused.context["form"].errors
    assert not OpenCall.objects.exists()

    posted = client.post(url, _form_data())
    call = OpenCall.objects.get()
    assert posted.status_code == 302 and posted["Location"] == reverse("board-call", args=[call.pk])
    assert call.organization == _org(poster) and call.created_by == poster
    assert call.version == 1 and call.history.get().history_user == poster


@pytest.mark.django_db
def test_no_posting_editing_or_closing_for_another_organisation(athens, client, poster, responder):
    call = _post(poster)
    client.force_login(responder)
    assert client.get(reverse("board-call-create", args=[_org(poster).pk])).status_code == 403
    assert (
        client.post(reverse("board-call-create", args=[_org(poster).pk]), _form_data()).status_code
        == 403
    )
    assert client.get(reverse("board-call-edit", args=[call.pk])).status_code == 403
    edited = client.post(reverse("board-call-edit", args=[call.pk]), _form_data(call))
    assert edited.status_code == 403
    assert client.post(reverse("board-call-close", args=[call.pk])).status_code == 403
    call.refresh_from_db()
    assert call.title == "Farsi interpreter for Tuesday mornings" and call.closed_at is None
    assert OpenCall.objects.count() == 1
    # The domain refuses too, whatever the entry point.
    with pytest.raises(PermissionDenied):
        board.post_call(by=responder, organization=_org(poster), fields=_fields())
    # A page is only reachable for a real organisation.
    missing = reverse("board-call-create", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(missing).status_code == 404


@pytest.mark.django_db
def test_an_edit_from_an_older_version_is_refused_with_what_changed(athens, client, poster):
    call = _post(poster)
    loaded = call.version  # two colleagues open the edit form
    board.edit_call(
        by=poster, call=call, fields=_fields(title="Arabic interpreter"), loaded_version=loaded
    )
    with pytest.raises(EditConflict) as refused:
        board.edit_call(
            by=poster, call=call, fields=_fields(description="Other text"), loaded_version=loaded
        )
    assert {change.field for change in refused.value.changes} == {"title"}

    client.force_login(poster)
    response = client.post(
        reverse("board-call-edit", args=[call.pk]),
        {**_form_data(), "version": loaded, "title": "Stale title"},
    )
    assert response.status_code == 200
    assert "Someone else saved this record after you opened it" in response.content.decode()
    assert "Arabic interpreter" in response.content.decode()  # what changed meanwhile
    call.refresh_from_db()
    assert call.title == "Arabic interpreter" and call.version == 2
    # The form now carries the current version: saving again is a deliberate overwrite.
    assert response.context["form"]["version"].value() == "2"
    saved = client.post(reverse("board-call-edit", args=[call.pk]), {**_form_data(), "version": 2})
    assert saved.status_code == 302
    call.refresh_from_db()
    assert call.title == "Meeting room free on Fridays" and call.version == 3


@pytest.mark.django_db
def test_closing_through_the_page(athens, client, poster):
    call = _post(poster)
    client.force_login(poster)
    assert client.get(reverse("board-call-close", args=[call.pk])).status_code == 405
    response = client.post(reverse("board-call-close", args=[call.pk]))
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.closed_at is not None and call.version == 2
    assert call not in OpenCall.objects.on_board(_today())
    with pytest.raises(ValidationError):
        board.edit_call(by=poster, call=call, fields=_fields(), loaded_version=2)


# --- Responding ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_response_is_stored_and_e_mailed_to_the_poster_organisation_after_commit(
    athens, client, poster, responder, make_member, mailoutbox, django_capture_on_commit_callbacks
):
    colleague = make_member("colleague@a.example.org", organization=_org(poster))
    call = _post(poster)
    client.force_login(responder)
    url = reverse("board-call", args=[call.pk])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            url, {"organization": _org(responder).pk, "message": "We have two volunteers."}
        )
        assert response.status_code == 302
        assert mailoutbox == []  # nothing is sent before the transaction commits
    for callback in callbacks:
        callback()

    stored = CallResponse.objects.get()
    assert stored.organization == _org(responder) and stored.author == responder
    assert stored.message == "We have two volunteers."
    (mail,) = mailoutbox
    assert set(mail.to) == {poster.email, colleague.email}
    assert mail.reply_to == [responder.email]
    assert "Farsi interpreter for Tuesday mornings" in mail.subject
    assert "We have two volunteers." in mail.body
    assert f"http://testserver{url}" in mail.body


@pytest.mark.django_db
def test_responses_are_seen_only_by_the_two_organisations(
    athens, client, poster, responder, bystander, moderator
):
    call = _post(poster)
    board.respond_to_call(
        by=responder, call=call, organization=_org(responder), message="Private offer text"
    )
    board.respond_to_call(
        by=bystander, call=call, organization=_org(bystander), message="Bystander answer"
    )
    url = reverse("board-call", args=[call.pk])

    def seen_by(user) -> str:
        client.force_login(user)
        return client.get(url).content.decode()

    assert "Private offer text" in seen_by(poster) and "Bystander answer" in seen_by(poster)
    page = seen_by(responder)
    assert "Private offer text" in page and "Bystander answer" not in page
    page = seen_by(bystander)
    assert "Private offer text" not in page and "Bystander answer" in page
    assert "Private offer text" in seen_by(moderator)


@pytest.mark.django_db
def test_who_may_respond_and_for_which_organisation(
    athens, client, poster, responder, bystander, django_capture_on_commit_callbacks
):
    call = _post(poster)
    url = reverse("board-call", args=[call.pk])
    # The poster's organisation gets no response form for its own call.
    client.force_login(poster)
    assert client.get(url).context["form"] is None
    assert client.post(url, {"organization": _org(poster).pk, "message": "Me"}).status_code == 302
    with pytest.raises(ValidationError):
        board.respond_to_call(by=poster, call=call, organization=_org(poster), message="Me")

    # A member of two organisations chooses; an organisation not theirs is not a choice.
    first, second = _org(responder), _org(bystander)
    responder.memberships.create(organization=second)
    client.force_login(responder)
    form = client.get(url).context["form"]
    assert set(form.fields["organization"].queryset) == {first, second}
    refused = client.post(url, {"organization": _org(poster).pk, "message": "As the poster"})
    assert refused.status_code == 200 and "organization" in refused.context["form"].errors
    refused = client.post(url, {"organization": "not-a-uuid", "message": "x"})
    assert refused.status_code == 200 and "organization" in refused.context["form"].errors
    empty = client.post(url, {"organization": second.pk, "message": "  "})
    assert "message" in empty.context["form"].errors
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {"organization": second.pk, "message": "From the second one"})
    assert sent.status_code == 302
    assert CallResponse.objects.get().organization == second
    assert CallResponse.objects.count() == 1  # the poster's own attempt stored nothing

    # Once closed, no one responds.
    board.close_call(by=poster, call=call)
    assert client.get(url).context["form"] is None
    with pytest.raises(ValidationError):
        board.respond_to_call(by=responder, call=call, organization=second, message="Late")


@pytest.mark.django_db
def test_the_board_page_reads_a_bounded_number_of_queries(
    athens, client, poster, django_assert_max_num_queries
):
    theme = TaxonomyTerm.objects.themes().first()
    district = District.objects.filter(municipality=athens).first()
    for number in range(12):
        _post(poster, title=f"Call {number}", theme=theme, district=district)
    client.force_login(poster)
    with django_assert_max_num_queries(14):  # session, user, access, filters' choices, page
        response = client.get(reverse("board"))
    assert response.content.decode().count('class="community-item"') == 12


# --- In a real browser ------------------------------------------------------------------------


def _log_in(page, live_server, user) -> None:
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_member_posts_a_call_in_arabic_and_it_is_on_the_board(live_server, page, make_member):
    poster = make_member("browser@a.example.org")
    blocked = []
    page.on("console", lambda message: blocked.append(message.text))
    _log_in(page, live_server, poster)
    with translation_override("ar"):
        create = reverse("board-call-create", args=[_org(poster).pk])
        board_url = reverse("board")
    page.goto(live_server.url + create)
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.check("input[name=kind][value=offer]")
    page.select_option("select[name=category]", "space")
    page.fill("input[name=title]", "Meeting room free on Fridays")
    page.fill("textarea[name=description]", "Room for 20 people near Omonia.")
    page.fill("input[name=expires_on]", (_today() + datetime.timedelta(days=7)).isoformat())
    page.click("form.community-form button[type=submit]")
    page.wait_for_selector("h1:has-text('Meeting room free on Fridays')")
    page.goto(live_server.url + board_url)
    assert page.locator(".community-item").count() == 1
    assert "Meeting room free on Fridays" in page.locator(".community-item").inner_text()
    assert not [text for text in blocked if "Content Security Policy" in text]
