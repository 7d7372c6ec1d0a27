"""The 1 July 2025 reform: districts dissolved, communes under provinces, communes merged."""
import datetime

from cells import services
from cells.models import Organization
from tracker.periods import parse_period, year_period
from tracker.progress import admitted_count
from tracker.selectors import fresh_figures

from .factories import OrganizationFactory

REFORM = datetime.date(2025, 7, 1)


def count(code, key):
    return admitted_count(Organization.objects.get(code=code), parse_period(key))


def dissolve_thanh_hoa():
    province = OrganizationFactory(code="tay-ninh", name="Đảng bộ tỉnh Tây Ninh", kind=Organization.Kind.PROVINCE)
    district = Organization.objects.get(code="thanh-hoa")
    for unit in list(Organization.objects.get_children(district)):
        services.organization_move(organization=unit, new_parent=province, effective_on=REFORM)
    services.organization_deactivate(organization=Organization.objects.get(code="thanh-hoa"), effective_on=REFORM)
    return province


def test_dissolving_the_district_keeps_its_2023_figures(db):
    before_2025 = count("thanh-hoa", "2025")
    province = dissolve_thanh_hoa()
    district = Organization.objects.get(code="thanh-hoa")
    assert not district.is_active
    assert count("thanh-hoa", "2023") == 60
    data = fresh_figures([district], year_period(2023), datetime.date(2026, 11, 26))[district.pk]
    assert (data["admitted"], data["target"], data["percent"]) == (60, 75, 80.0)
    # 2025 splits at the reform: the district keeps January–June, the province gets July on.
    assert count("thanh-hoa", "2025") + count("tay-ninh", "2025") == before_2025
    assert count("tay-ninh", "2023") == 0
    # Today's figures follow the new tree.
    assert Organization.objects.get_parent(Organization.objects.get(code="tan-dong")) == province
    assert count("tay-ninh", "2026") > 0 and count("thanh-hoa", "2026") == 0


def test_merging_two_communes_keeps_both_histories_and_counts_once(db):
    tan_dong_2023, tan_tay_2023 = count("tan-dong", "2023"), count("tan-tay", "2023")
    district_2026 = count("thanh-hoa", "2026")
    tan_tay_cells = set(Organization.objects.get_children(Organization.objects.get(code="tan-tay")).values_list("code", flat=True))
    services.organization_merge(
        source=Organization.objects.get(code="tan-tay"), into=Organization.objects.get(code="tan-dong"), effective_on=REFORM
    )
    assert count("tan-dong", "2023") == tan_dong_2023
    assert count("tan-tay", "2023") == tan_tay_2023
    assert count("thanh-hoa", "2023") == 60
    assert count("thanh-hoa", "2026") == district_2026
    merged = Organization.objects.get(code="tan-dong")
    assert tan_tay_cells <= set(Organization.objects.get_children(merged).values_list("code", flat=True))
    assert Organization.objects.get(code="tan-tay").merged_into == merged


def test_splitting_a_commune_moves_its_units_from_the_effective_date(db):
    commune = Organization.objects.get(code="thuy-dong")
    units = [Organization.objects.get(code="thuy-dong-ap-2"), Organization.objects.get(code="thuy-dong-ap-3")]
    before_2023, before_2026, district_2026 = count("thuy-dong", "2023"), count("thuy-dong", "2026"), count("thanh-hoa", "2026")
    new = services.organization_split(
        source=commune, code="thuy-dong-moi", name="Đảng bộ xã Thủy Đông Mới", units=units, effective_on=datetime.date(2026, 1, 1)
    )
    assert new.kind == commune.kind and Organization.objects.get_parent(new).code == "thanh-hoa"
    assert count("thuy-dong", "2023") == before_2023
    assert count("thuy-dong", "2026") + count("thuy-dong-moi", "2026") == before_2026
    assert count("thanh-hoa", "2026") == district_2026


def test_a_split_refuses_units_of_another_organization(db):
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="không trực thuộc trực tiếp"):
        services.organization_split(
            source=Organization.objects.get(code="thuy-dong"), code="x", name="X",
            units=[Organization.objects.get(code="tan-dong-ap-1")], effective_on=datetime.date(2026, 1, 1),
        )
