"""Two staff creating the same missing target at the same moment, on two real PostgreSQL connections."""
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from cells import services
from cells.models import Organization, OrganizationRole, Target

from .factories import OrganizationFactory, UserFactory, role

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI's second run)"),
]


def first_holds_its_insert_open(first, second):
    """Run `first` in a transaction kept open until `second`, in another thread, waits on its row; then commit.

    Returns what each raised (None: it succeeded)."""
    outcomes = {}
    inserted, release = threading.Event(), threading.Event()

    def run(name, action):
        try:
            action()
            outcomes[name] = None
        except Exception as error:  # noqa: BLE001 - the test reports whatever either side raised
            outcomes[name] = error
        finally:
            connections.close_all()

    def hold():
        with transaction.atomic():
            first()
            inserted.set()
            release.wait(timeout=30)

    one = threading.Thread(target=run, args=("first", hold))
    one.start()
    assert inserted.wait(timeout=30)
    two = threading.Thread(target=run, args=("second", second))
    two.start()
    time.sleep(0.5)  # the second's INSERT now waits on the first's uncommitted row
    release.set()
    one.join(timeout=60)
    two.join(timeout=60)
    return outcomes


@pytest.fixture
def cell():
    district = OrganizationFactory(kind=Organization.Kind.DISTRICT)
    return OrganizationFactory(kind=Organization.Kind.GRASSROOTS_CELL, parent=district)


def test_two_staff_creating_the_same_missing_target_both_succeed_and_the_later_save_wins(cell):
    first_user, second_user = UserFactory(), UserFactory()
    outcomes = first_holds_its_insert_open(
        lambda: services.target_set(organization=cell, year=2027, count=4, acting_user=first_user),
        lambda: services.target_set(organization=cell, year=2027, count=6, acting_user=second_user),
    )
    assert outcomes == {"first": None, "second": None}
    target = Target.objects.get(organization=cell, year=2027)
    assert target.count == 6
    assert [(h.count, h.history_user) for h in target.history.order_by("history_date")] == [
        (4, first_user), (6, second_user)
    ]


def test_two_tables_creating_the_same_missing_target_the_second_is_told_and_saves_nothing(cell):
    other = OrganizationFactory(kind=Organization.Kind.GRASSROOTS_CELL, parent=Organization.objects.get_parent(cell))
    outcomes = first_holds_its_insert_open(
        lambda: services.targets_set_many(counts={cell: 4}, loaded={cell: None}, year=2027),
        lambda: services.targets_set_many(counts={other: 1, cell: 6}, loaded={other: None, cell: None}, year=2027),
    )
    assert outcomes["first"] is None
    assert isinstance(outcomes["second"], services.TargetsChanged)
    assert outcomes["second"].current == {cell: 4}
    assert dict(Target.objects.filter(year=2027).values_list("organization_id", "count")) == {cell.pk: 4}


def test_two_staff_saving_the_same_new_target_from_the_page_at_once_never_get_a_500(cell):
    district = Organization.objects.get_parent(cell)
    staff = UserFactory()
    role(staff, district, OrganizationRole.Role.STAFF)
    barrier, statuses = threading.Barrier(2), []

    def post(count):
        client = Client()
        client.force_login(staff)
        try:
            barrier.wait()
            response = client.post(
                f"/org/{district.code}/targets/?period=2027",
                {f"target-{cell.pk}": str(count), f"loaded-{cell.pk}": ""},
            )
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(count,)) for count in (4, 6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) in ([302, 302], [302, 409])
    assert Target.objects.get(organization=cell, year=2027).count in (4, 6)
