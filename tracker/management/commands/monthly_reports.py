from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cells.models import Organization
from tracker.reports import WORKBOOK_LIMIT, month_report, parse_month, report_scope, reports_workbook


class Command(BaseCommand):
    help = (
        "Write the month's reports of an organization and its active units to one .xlsx file: every level"
        f" under it, or as many whole levels as fit in {WORKBOOK_LIMIT} sheets."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="organization code, e.g. thanh-hoa")
        parser.add_argument("--month", default="", help="YYYY-MM (default: the last full month)")
        parser.add_argument("--out", default=".", help="folder for the file")

    def handle(self, *args, org, month, out, **options):
        today = timezone.localdate()
        organization = Organization.objects.filter(code=org).first()
        if organization is None:
            raise CommandError(f"No organization with code {org!r}.")
        try:
            first_day = parse_month(month, today)
        except ValueError as error:
            raise CommandError(str(error)) from None
        scope = report_scope(organization)
        path = Path(out) / f"bao-cao-{organization.code}-{first_day:%Y-%m}.xlsx"
        path.write_bytes(reports_workbook([month_report(unit, first_day, today) for unit in scope.organizations]))
        self.stdout.write(f"{path} ({len(scope.organizations)} organizations)")
        if scope.levels is not None:
            self.stdout.write(
                f"Only {scope.levels} level(s) below {organization.code} fit in {WORKBOOK_LIMIT} sheets:"
                " run the command for the units below them."
            )
