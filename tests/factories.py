import datetime

import factory
from django.contrib.auth import get_user_model

from candidates import services as candidate_services
from candidates.models import Candidate, EducationLevel, Gender, OccupationCategory, PartyMember, Stage
from cells import services as cell_services
from cells.models import Organization, OrganizationRole


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    """Organizations are created through the service so that the tree rules apply."""

    class Meta:
        model = Organization

    code = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Tổ chức {n}")
    kind = Organization.Kind.DISTRICT
    sector = Organization.Sector.OTHER

    @classmethod
    def _create(cls, model_class, parent=None, **kwargs):
        return cell_services.organization_create(parent=parent, **kwargs)


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    date_of_birth = datetime.date(1995, 5, 17)
    gender = Gender.MALE
    education_level = EducationLevel.UPPER_SECONDARY
    occupation_category = OccupationCategory.RESIDENT
    sourced_on = datetime.date(2023, 1, 10)

    @classmethod
    def _create(cls, model_class, **kwargs):
        return candidate_services.candidate_create(**kwargs)


def role(user, organization, role=OrganizationRole.Role.SECRETARY):
    return OrganizationRole.objects.create(user=user, organization=organization, role=role)


def party_member(cell, full_member_on=datetime.date(2010, 1, 1)):
    return PartyMember.objects.create(
        full_name="Đảng viên giới thiệu", organization=cell, admitted_on=full_member_on.replace(year=full_member_on.year - 1),
        full_member_on=full_member_on,
    )


def walk_to(candidate, stage, on):
    """Take a candidate through every step up to `stage`, all on the day `on`, as the rules require."""
    order = [Stage.TRAINED, Stage.APPLIED, Stage.VERIFIED, Stage.CELL_RESOLUTION, Stage.COMMITTEE_RESOLUTION]
    for step in order[: order.index(stage) + 1]:
        extra = {}
        if step == Stage.CELL_RESOLUTION:
            candidate_services.dossier_add(
                candidate=candidate, form_code="3-KNĐ", received_on=on, introducer=party_member(candidate.home_cell)
            )
            extra = {"votes_for": 3, "members_total": 3}
        candidate_services.candidate_advance(candidate=candidate, stage=step, occurred_on=on, **extra)
    candidate.refresh_from_db()
    return candidate


def admit(cell, on, category=OccupationCategory.RESIDENT, **candidate_fields):
    """Admit a new person in `cell` with the decision and the ceremony on `on`."""
    candidate = CandidateFactory(home_cell=cell, occupation_category=category, sourced_on=on.replace(day=1), **candidate_fields)
    walk_to(candidate, Stage.COMMITTEE_RESOLUTION, on)
    return candidate_services.admission_record(
        candidate=candidate,
        cell=cell,
        decision_number=f"QĐ-{candidate.pk}",
        decision_date=on,
        admitted_on=on,
    )


def nightly_plan(period):
    """The plan of the nightly check's statement, the credits' statistics taken afresh (a test's few
    rows would be read whole: sequential scans are off)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tracker.progress import recompute_statement

    statement, params = recompute_statement(period, timezone.now(), only_changed=True)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE candidates_admissioncredit")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {statement}", params)
        return "\n".join(row[0] for row in cursor.fetchall())
