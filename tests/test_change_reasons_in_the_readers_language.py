"""The history's change reasons are stored in English and shown in the reader's language."""
import pytest
from django.utils import translation

from tracker.change_reasons import reason_display


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("moved, effective 01/07/2025", "đã chuyển nơi trực thuộc, hiệu lực từ 01/07/2025"),
        ("changed, effective 15/03/2024", "đã sửa, hiệu lực từ 15/03/2024"),
        ("deactivated, effective 31/12/2024", "đã ngừng hoạt động, hiệu lực từ 31/12/2024"),
        ("merged into tan-dong-ap-1", "đã hợp nhất vào tan-dong-ap-1"),
        ("merged into tan-dong-ap-1, effective 01/07/2025", "đã hợp nhất vào tan-dong-ap-1, hiệu lực từ 01/07/2025"),
        ("cell merged into tan-dong-ap-1", "chi bộ đã hợp nhất vào tan-dong-ap-1"),
        ("cell merged into c-a before the ceremony", "chi bộ đã hợp nhất vào c-a trước lễ kết nạp"),
        ("deactivated", "đã ngừng hoạt động"),
        ("corrected", "đã đính chính"),
        ("ceremony date corrected", "đã đính chính ngày lễ kết nạp"),
        ("created", "đã tạo"),
        ("code changed", "đã đổi mã"),
    ],
)
def test_a_stored_reason_reads_in_vietnamese(stored, shown):
    with translation.override("vi"):
        assert reason_display(stored) == shown


def test_two_changes_of_one_day_read_one_after_the_other():
    with translation.override("vi"):
        assert reason_display("moved, effective 01/06/2024; changed, effective 01/06/2024") == (
            "đã chuyển nơi trực thuộc, hiệu lực từ 01/06/2024; đã sửa, hiệu lực từ 01/06/2024"
        )


def test_in_english_the_reason_reads_as_stored():
    with translation.override("en"):
        assert reason_display("moved, effective 01/07/2025") == "moved, effective 01/07/2025"
        assert reason_display("cell merged into c-a before the ceremony") == "cell merged into c-a before the ceremony"


def test_a_reason_it_does_not_know_is_shown_as_stored_and_none_as_nothing():
    with translation.override("vi"):
        assert reason_display("Nhập từ hệ thống cũ") == "Nhập từ hệ thống cũ"
        assert reason_display("moved, effective soon") == "moved, effective soon"
        assert reason_display(None) == reason_display("") == ""
