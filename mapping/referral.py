"""Referral sheet entries: a few services, each with a QR code to its page (made locally)."""

import uuid
from dataclasses import dataclass

import segno
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from mapping import directory
from mapping.localize import CITY_LANGUAGE, LocalizedText, localized
from mapping.models import Service


@dataclass(frozen=True)
class ReferralEntry:
    service: Service
    copies: list[tuple[str, LocalizedText]]  # (language, text): the client's, then Greek
    page_url: str  # absolute, in the client's language
    qr_svg: SafeString


def _qr_svg(url: str) -> SafeString:
    # segno writes plain SVG from our own URL: no script, safe to inline.
    return mark_safe(segno.make(url, error="m").svg_inline(scale=3, title=url))


def referral_entries(
    ids: list[uuid.UUID], client_language: str, request: HttpRequest
) -> list[ReferralEntry]:
    """Entries in the order asked for; unknown ids are left out. Each has a copy in the
    client's language and one in Greek for the staff at the service (one if they match)."""
    languages = list(dict.fromkeys([client_language, CITY_LANGUAGE]))
    entries = []
    for pk in ids:
        try:
            service = directory.service_for_page(pk)
        except Service.DoesNotExist:
            continue
        with translation.override(client_language):
            url = request.build_absolute_uri(reverse("service-page", args=[pk]))
        copies = [(language, localized(service, language)) for language in languages]
        entries.append(
            ReferralEntry(service=service, copies=copies, page_url=url, qr_svg=_qr_svg(url))
        )
    return entries
