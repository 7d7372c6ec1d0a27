import pytest
from django.utils import timezone, translation

from cells.models import Organization, Term
from tracker.demo import demo_load

from .factories import OrganizationFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # The demo district is built once per run; tests that change it roll back.
    with django_db_blocker.unblock():
        demo_load(today=timezone.localdate())


@pytest.fixture(autouse=True)
def eager_celery(request):
    """Tests inside a rolled-back transaction run their tasks in-process: a real worker could not
    see their data. Only tests marked `real_worker` (committed data) talk to the worker."""
    from tracker.celery import app

    if request.node.get_closest_marker("real_worker"):
        # Eager tasks run from two threads at once (the race tests) can leave Celery's process-wide
        # "inside a task" flag set (denied_join_result saves and restores it unguarded); this test
        # waits for a real result, which that flag forbids.
        from celery._state import _set_task_join_will_block

        _set_task_join_will_block(False)
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def vietnamese():
    """Messages are checked in the language users see by default."""
    with translation.override("vi"):
        yield


@pytest.fixture
def terms(db):
    """The two demo terms (2020–2025 ends on 30/06/2025)."""
    return {term.start_date.year: term for term in Term.objects.all()}


@pytest.fixture
def tree(db):
    """A small hand-made tree: a district with a commune of two cells and a school cell."""
    district = OrganizationFactory(code="d", name="Huyện thử", kind=Organization.Kind.DISTRICT)
    commune = OrganizationFactory(
        code="c", name="Xã thử", kind=Organization.Kind.GRASSROOTS_COMMITTEE, parent=district,
        sector=Organization.Sector.COMMUNE,
    )
    cell_a = OrganizationFactory(code="c-a", name="Chi bộ ấp A", kind=Organization.Kind.CELL, parent=commune)
    cell_b = OrganizationFactory(code="c-b", name="Chi bộ ấp B", kind=Organization.Kind.CELL, parent=commune)
    school = OrganizationFactory(
        code="s", name="Chi bộ trường", kind=Organization.Kind.GRASSROOTS_CELL, parent=district,
        sector=Organization.Sector.SCHOOL,
    )
    return {"district": district, "commune": commune, "cell_a": cell_a, "cell_b": cell_b, "school": school}


def pytest_collection_modifyitems(items):
    # pytest-playwright's `page` fixture carries the session-wide browser parameter: any test asking for a
    # "page" (a parametrize name, an argument) is regrouped with the browser tests, whose live server
    # empties the database, and every test after it loses the demo district. Twice in session 14.
    for item in items:
        if "page" in getattr(item, "fixturenames", ()) and not item.nodeid.startswith("tests/test_browser_"):
            raise pytest.UsageError(f"{item.nodeid}: name it something other than 'page' (pytest-playwright's fixture)")
