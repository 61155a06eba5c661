"""manage.py send_freshness_reminders: e-mail organisations whose published listings are stale."""

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from mapping.actions.freshness import send_freshness_reminders
from mapping.conf import hartis_options


class Command(BaseCommand):
    help = (
        "E-mail each organisation whose published services were not verified for "
        "HARTIS['STALE_AFTER_DAYS'] days: one e-mail per editor and admin, listing those "
        "services, each with a one-click 'still correct' link (signed, valid 30 days). "
        "Idempotent: an organisation is written to again only after "
        "HARTIS['REMIND_EVERY_DAYS'] days (default 14) while a service stays stale, so it is "
        "safe to run often, e.g. daily from cron ('15 8 * * * manage.py "
        "send_freshness_reminders') or a systemd timer (OnCalendar=*-*-* 08:15). Links start "
        "with --base-url, default HARTIS['SITE_URL']."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url",
            default=hartis_options().site_url,
            help="Scheme and host the links start with, e.g. https://hartis.example.org.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List who would be reminded of what; send nothing and record nothing.",
        )
        parser.add_argument(
            "--now",
            type=datetime.datetime.fromisoformat,
            default=None,
            help="Act as if it were this ISO date-time (Europe/Athens if no offset); for tests.",
        )

    def handle(
        self,
        *args: object,
        base_url: str,
        dry_run: bool,
        now: datetime.datetime | None,
        **options: object,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise CommandError(
                "Links need an absolute address: set HARTIS['SITE_URL'] or pass "
                "--base-url https://…"
            )
        if now is not None and timezone.is_naive(now):
            now = timezone.make_aware(now)
        reminders = send_freshness_reminders(base_url=base_url, now=now, dry_run=dry_run)
        for reminder in reminders:
            self.stdout.write(
                f"{reminder.organization.name}: {len(reminder.services)} stale, "
                f"{'would e-mail' if dry_run else 'e-mailed'} {len(reminder.recipients)} people"
            )
        verb = "would be reminded" if dry_run else "reminded"
        self.stdout.write(self.style.SUCCESS(f"{len(reminders)} organisations {verb}."))
