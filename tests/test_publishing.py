"""Moderated publishing in the domain layer: row-level permissions, the review flow, pending
revisions, optimistic locking, history and restore (mapping.actions.publishing)."""

import pytest
from django.core.exceptions import PermissionDenied

from mapping.actions import publishing
from mapping.models import Publication, Revision, RevisionStatus, Service
from mapping.search import SearchCriteria, search
from tests.conftest import SYNTAGMA

CHANGES = {
    "fields": {"name": "Legal advice for asylum seekers", "description": "Tuesdays."},
    "categories": ["asylum_legal_aid"],
    "languages": ["ar", "fa"],
    "place": {
        "name": "Office",
        "address_1": "Πανεπιστημίου 10",
        "postal_code": "10671",
        "point": list(SYNTAGMA),
    },
    "hours": [[2, "09:00", "13:00"]],
}


@pytest.fixture
def editor(make_member):
    return make_member("editor@a.example.org")


@pytest.fixture
def other_editor(make_member):
    return make_member("editor@b.example.org")


def _draft(editor) -> Service:
    organization = editor.memberships.get().organization
    return publishing.create_draft(
        by=editor, model=Service, organization=organization, changes=CHANGES
    )


def _public_ids() -> set[str]:
    page = search(SearchCriteria(near=None, text="asylum seekers", limit=50))
    return {row.service_id for row in page.located}


@pytest.mark.django_db
def test_a_draft_is_written_whole_and_stays_off_the_public_directory(athens, editor):
    service = _draft(editor)
    assert service.publication == Publication.DRAFT and service.version == 1
    assert set(service.languages.values_list("code", flat=True)) == {"ar", "fa"}
    place = service.service_at_locations.get().location
    assert place.district is not None  # the spatial join ran on the member's place
    assert list(service.schedules.values_list("weekday", flat=True)) == [2]
    assert str(service.pk) not in _public_ids()
    assert service.history.count() == 1  # one history row for the whole creation
    assert service.history.first().history_user == editor


@pytest.mark.django_db
def test_editors_change_only_their_own_organisation(athens, editor, other_editor):
    service = _draft(editor)
    with pytest.raises(PermissionDenied):
        publishing.edit(by=other_editor, record=service, changes=CHANGES, loaded_version=1)
    with pytest.raises(PermissionDenied):
        publishing.submit_for_review(by=other_editor, record=service)
    their_organization = other_editor.memberships.get().organization
    with pytest.raises(PermissionDenied):
        publishing.create_draft(
            by=editor, model=Service, organization=their_organization, changes=CHANGES
        )
    assert Service.objects.filter(organization=their_organization).count() == 0


@pytest.mark.django_db
def test_review_flow_publish_and_return(athens, editor, moderator, mailoutbox):
    service = _draft(editor)
    with pytest.raises(PermissionDenied):
        publishing.publish(by=editor, record=service)  # members do not publish themselves
    publishing.submit_for_review(by=editor, record=service)
    publishing.return_for_changes(by=moderator, record=service, comment="Add the hours.")
    service.refresh_from_db()
    assert service.publication == Publication.RETURNED
    assert service.moderation_comment == "Add the hours."
    publishing.submit_for_review(by=editor, record=service)
    publishing.publish(by=moderator, record=service)
    service.refresh_from_db()
    assert service.publication == Publication.PUBLISHED and service.assured_date is not None
    assert str(service.pk) in _public_ids()


@pytest.mark.django_db
def test_an_edit_of_a_published_record_waits_as_a_revision(athens, editor, moderator):
    service = _draft(editor)
    publishing.submit_for_review(by=editor, record=service)
    publishing.publish(by=moderator, record=service)
    service.refresh_from_db()
    live_version = service.version
    changed = {"fields": {"name": "Legal advice for asylum seekers (new hours)"}}
    revision = publishing.edit(
        by=editor, record=service, changes=changed, loaded_version=live_version
    )
    service.refresh_from_db()
    assert revision.status == RevisionStatus.PENDING
    assert service.name == "Legal advice for asylum seekers"  # the live version stays
    assert service.version == live_version
    publishing.approve_revision(by=moderator, revision=revision)
    service.refresh_from_db()
    assert service.name == "Legal advice for asylum seekers (new hours)"
    assert Revision.objects.get(pk=revision.pk).status == RevisionStatus.APPROVED


@pytest.mark.django_db
def test_the_second_of_two_concurrent_saves_is_refused_with_what_changed(athens, editor):
    service = _draft(editor)
    colleague_view = service.version  # both editors opened version 1
    publishing.edit(
        by=editor, record=service, changes={"fields": {"name": "Renamed"}}, loaded_version=1
    )
    with pytest.raises(publishing.EditConflict) as refused:
        publishing.edit(
            by=editor,
            record=service,
            changes={"fields": {"description": "Other text"}},
            loaded_version=colleague_view,
        )
    changed = {change.field: (change.then, change.now) for change in refused.value.changes}
    assert changed["name"] == ("Legal advice for asylum seekers", "Renamed")
    service.refresh_from_db()
    assert service.description == "Tuesdays."  # nothing of the refused save was written


@pytest.mark.django_db
def test_a_moderator_restores_an_earlier_version(athens, editor, moderator):
    service = _draft(editor)
    first = service.history.order_by("history_date").first()
    publishing.edit(
        by=editor,
        record=service,
        changes={"fields": {"name": "Wrong name"}, "languages": ["en"]},
        loaded_version=1,
    )
    with pytest.raises(PermissionDenied):
        publishing.restore(by=editor, record=service, history_id=first.history_id)
    publishing.restore(by=moderator, record=service, history_id=first.history_id)
    service.refresh_from_db()
    assert service.name == "Legal advice for asylum seekers"
    assert set(service.languages.values_list("code", flat=True)) == {"ar", "fa"}
    assert service.history.count() == 3 and service.version == 3
