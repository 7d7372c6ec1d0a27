"""What the admin showed in English whatever the language: the permissions, django-axes' and
django-celery-beat's names and columns, the schedules' descriptions."""
import pytest
from django.contrib.auth.models import Permission
from django.utils import translation

from tracker.admin import permission_label


@pytest.fixture
def admin_in_vietnamese(client, db):
    client.login(username="admin", password="QuanTri@2026")
    return client


def test_the_permissions_are_listed_in_the_language_of_the_page(admin_in_vietnamese):
    page = admin_in_vietnamese.get("/admin/auth/group/add/").content.decode()
    assert "Được thêm quần chúng ưu tú" in page
    assert "Được xem lịch sử của quần chúng ưu tú" in page
    assert "Can add" not in page and "Can view" not in page


def test_a_permission_reads_in_english_for_an_english_reader(db):
    permission = Permission.objects.get(codename="add_candidate")
    with translation.override("en"):
        assert permission_label(permission).endswith("| Can add candidate")
    with translation.override("vi"):
        assert permission_label(permission).endswith("| Được thêm quần chúng ưu tú")


def test_the_schedules_are_named_and_described_in_vietnamese(admin_in_vietnamese):
    page = admin_in_vietnamese.get("/admin/django_celery_beat/periodictask/").content.decode()
    assert "Tính lại toàn bộ số liệu tiến độ hằng đêm" in page
    assert "Tại 01:30" in page  # the nightly recompute's crontab, in words
    assert "mỗi 5 phút" in page  # the sweep's interval
    assert "At 01:30" not in page and "every 5 minutes" not in page


def test_the_login_lockouts_are_named_in_vietnamese(admin_in_vietnamese):
    page = admin_in_vietnamese.get("/admin/").content.decode()
    assert "Khóa đăng nhập" in page and "Axes" not in page


def test_a_one_off_schedule_is_named_by_its_local_time_dd_mm_yyyy(admin_in_vietnamese):
    import datetime

    from django_celery_beat.models import ClockedSchedule, PeriodicTask

    moment = datetime.datetime(2026, 12, 31, 17, 30, tzinfo=datetime.timezone.utc)
    clocked = ClockedSchedule.objects.create(clocked_time=moment)
    task = PeriodicTask.objects.create(name="Báo cáo cuối năm", task="tracker.tasks.recompute_all", clocked=clocked, one_off=True)
    assert str(task) == "Báo cáo cuối năm: 01/01/2027 00:30"
    page = admin_in_vietnamese.get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/").content.decode()
    assert "01/01/2027 00:30" in page and "2026-12-31" not in page


def test_the_admins_titles_name_the_app(admin_in_vietnamese):
    page = admin_in_vietnamese.get("/admin/").content.decode()
    assert "<title>Quản trị | Phát triển đảng viên</title>" in page
    assert "Trang web admin Django" not in page and "Site quản trị" not in page
