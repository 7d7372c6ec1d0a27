"""A step recorded by someone else between the check and the write is refused with a message, not a 500."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from candidates import rules, services
from candidates.models import Candidate, Stage, StageEvent
from cells.models import Organization

from .factories import CandidateFactory, OrganizationFactory, walk_to

DAY = datetime.date(2026, 5, 4)


def test_a_step_recorded_by_someone_else_meanwhile_is_refused_with_the_forms_message(db, monkeypatch):
    district = OrganizationFactory(kind=Organization.Kind.DISTRICT)
    cell = OrganizationFactory(kind=Organization.Kind.GRASSROOTS_CELL, parent=district)
    candidate = walk_to(CandidateFactory(home_cell=cell, sourced_on=datetime.date(2026, 1, 5)), Stage.VERIFIED, DAY)
    real_next_stages = rules.next_stages

    def another_user_records_it_now(stage):
        # The other user's step commits after this one found none: the unique constraint is what stops it.
        StageEvent.objects.get_or_create(candidate=candidate, stage=Stage.DROPPED, defaults={"occurred_on": DAY})
        return real_next_stages(stage)

    monkeypatch.setattr(rules, "next_stages", another_user_records_it_now)
    with pytest.raises(ValidationError) as refused:
        services.candidate_advance(candidate=candidate, stage=Stage.DROPPED, occurred_on=DAY)
    label = str(Stage(Stage.DROPPED).label)
    assert refused.value.messages == [
        _("The step “%(stage)s” is already recorded for %(name)s.") % {"stage": label, "name": candidate.full_name}
    ]
    # The request's transaction is still usable (on PostgreSQL too): the form can be shown again.
    assert Candidate.objects.get(pk=candidate.pk).stage == Stage.VERIFIED
