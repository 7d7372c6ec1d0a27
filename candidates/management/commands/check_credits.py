"""Compare every stored admission credit with what the tree's history says it should be."""
from django.core.management.base import BaseCommand
from django.db import transaction

from candidates.models import Admission, AdmissionCredit
from candidates.services import admission_credits_for, admission_credits_rebuild

CHUNK = 5000
SHOWN = 20


def _keys(credits) -> dict[int, set[tuple]]:
    by_admission: dict[int, set[tuple]] = {}
    for credit in credits:
        by_admission.setdefault(credit.admission_id, set()).add(
            (credit.organization_id, credit.admitted_on, credit.category, credit.gender, credit.age_band, credit.sector)
        )
    return by_admission


class Command(BaseCommand):
    help = (
        "Check every admission's credits against the organizations' placements on its ceremony day and the "
        "person's record; report those that differ, and with --fix rewrite them (the figures follow)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="rewrite the credits that differ")

    def handle(self, *args, fix: bool = False, **options):
        checked, differing, shown = 0, [], []
        # Credits of an admission without a ceremony should not exist at all.
        orphans = list(
            AdmissionCredit.objects.filter(admission__admitted_on__isnull=True).values_list("admission_id", flat=True).distinct()
        )
        ids = list(Admission.objects.filter(admitted_on__isnull=False).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), CHUNK):
            admissions = list(Admission.objects.filter(pk__in=ids[start:start + CHUNK]))
            expected = _keys(admission_credits_for(admissions))
            stored = _keys(AdmissionCredit.objects.filter(admission__in=admissions))
            for admission in admissions:
                if expected.get(admission.pk, set()) != stored.get(admission.pk, set()):
                    differing.append(admission.pk)
            checked += len(admissions)
        differing += orphans
        for admission in Admission.objects.filter(pk__in=differing[:SHOWN]).select_related("candidate", "cell"):
            shown.append(f"  {admission.decision_number} – {admission.candidate.full_name} ({admission.cell.code})")
        self.stdout.write(f"Checked the credits of {checked} admissions: {len(differing)} differ from the tree's history.")
        if shown:
            self.stdout.write("\n".join(shown))
        if differing and fix:
            with transaction.atomic():
                rows = admission_credits_rebuild(admissions=Admission.objects.filter(pk__in=differing))
            self.stdout.write(f"Rewrote the credits of {len(differing)} admissions ({rows} rows); their figures are recounted.")
        elif differing:
            self.stdout.write("Run again with --fix to rewrite them.")
