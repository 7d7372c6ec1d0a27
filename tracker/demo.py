"""Demo data: Thạnh Hóa district (Long An) from its published 2023 figures.

2023: two awareness classes with 140 attendees; 60 admissions against a target of 75
(18 teachers, 12 residents, 2 high-school students); Tân Đông commune 21 admissions
against a 2020–2025 term target of 15 and 4 of 4 in 2023; Thạnh Hóa high school 3 of 5,
2 of them students. Other years are generated with a fixed seed around those figures.
"""
from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from candidates import services as candidate_services
from candidates.models import (
    Admission,
    AwarenessClass,
    Candidate,
    ClassAttendance,
    EducationLevel,
    Gender,
    OccupationCategory as Cat,
    PartyMember,
    Stage,
)
from cells import services as cell_services
from cells.models import Organization, OrganizationRole, Term

Kind, Sector = Organization.Kind, Organization.Sector
DISTRICT_CODE = "thanh-hoa"
PUBLISHED_YEAR = 2023
FIRST_YEAR = 2020
SEED = 2023

DEMO_USERS = [
    # username, password, full name, role, organization code (None: superuser)
    ("admin", "QuanTri@2026", "Quản trị hệ thống", None, None),
    ("bantochuc", "BanToChuc@2026", "Lê Thị Ngọc Hân", OrganizationRole.Role.STAFF, DISTRICT_CODE),
    ("bithu.huyen", "BiThuHuyen@2026", "Nguyễn Văn Phúc", OrganizationRole.Role.SECRETARY, DISTRICT_CODE),
    ("bithu.tandong", "BiThuTanDong@2026", "Trần Minh Tâm", OrganizationRole.Role.SECRETARY, "tan-dong"),
]

HAMLET_NAMES = [
    "Tân Hòa", "Tân Lập", "Kênh Giữa", "Gò Gòn", "Bằng Lăng", "Cây Dương", "Bến Kè", "Ông Quới", "Rạch Bắp",
    "Nhơn Cầu", "Tân Thành", "Hòa Bình", "Trung Hòa", "Kênh Ngang", "Cầu Xáng", "Đá Biên", "Ông Hiếu", "Tầm Đuông",
    "Bàu Sen", "Trà Cú", "Rạch Gốc", "Bùng Binh", "Cả Môn", "Kinh Mới", "Bình Hòa", "Tân Long", "Láng Biển",
    "Cần Đốt", "Đìa Muồng", "Trà Vòng", "Bún Bà Của", "Xóm Mới", "Hậu Thạnh",
]


@dataclass
class Unit:
    code: str
    name: str
    kind: str
    sector: str
    target_2023: int
    admitted_2023: list[str]
    cells: list[tuple[str, str, str]] = field(default_factory=list)  # (code suffix, name, role)


def _commune(code: str, name: str, target: int, admitted: list[str], hamlets: list[str]) -> Unit:
    cells = [(f"ap-{i + 1}", f"Chi bộ ấp {hamlet}", "hamlet") for i, hamlet in enumerate(hamlets)]
    cells += [
        ("truong", f"Chi bộ Trường THCS {name}", "school"),
        ("quan-su", f"Chi bộ Quân sự xã {name}", "military"),
        ("co-quan", f"Chi bộ Cơ quan xã {name}", "agency"),
    ]
    prefix = "Đảng bộ thị trấn" if code == "thi-tran-thanh-hoa" else "Đảng bộ xã"
    return Unit(code, f"{prefix} {name}", Kind.GRASSROOTS_COMMITTEE, Sector.COMMUNE, target, admitted, cells)


T, R, S, Y = Cat.TEACHER, Cat.RESIDENT, Cat.HIGH_SCHOOL_STUDENT, Cat.YOUTH_UNION
E, D, C, A = Cat.ENLISTING_SOLDIER, Cat.DISCHARGED_SOLDIER, Cat.CIVIL_SERVANT, Cat.ARMED_FORCES

UNITS = [
    _commune("tan-dong", "Tân Đông", 4, [R, R, T, Y], ["Tân Hòa", "Tân Lập", "Kênh Giữa"]),
    _commune("thi-tran-thanh-hoa", "Thạnh Hóa", 6, [T, T, R, Y, E], ["1", "2", "3"]),
    _commune("thuy-dong", "Thủy Đông", 5, [T, R, R, D], ["Gò Gòn", "Bằng Lăng", "Cây Dương"]),
    _commune("thuy-tay", "Thủy Tây", 4, [T, R, Y], ["Bến Kè", "Ông Quới", "Rạch Bắp"]),
    _commune("tan-tay", "Tân Tây", 4, [T, T, R, E], ["Nhơn Cầu", "Tân Thành", "Hòa Bình"]),
    _commune("thanh-an", "Thạnh An", 4, [R, Y], ["Trung Hòa", "Kênh Ngang", "Cầu Xáng"]),
    _commune("thanh-phu", "Thạnh Phú", 4, [T, R, D], ["Đá Biên", "Ông Hiếu", "Tầm Đuông"]),
    _commune("thanh-phuoc", "Thạnh Phước", 3, [T, R], ["Bàu Sen", "Trà Cú", "Rạch Gốc"]),
    _commune("tan-hiep", "Tân Hiệp", 4, [T, R, E], ["Bùng Binh", "Cả Môn", "Kinh Mới"]),
    _commune("thuan-binh", "Thuận Bình", 3, [T, Y], ["Bình Hòa", "Tân Long", "Láng Biển"]),
    _commune("thuan-nghia-hoa", "Thuận Nghĩa Hòa", 4, [T, R, C], ["Cần Đốt", "Đìa Muồng", "Trà Vòng"]),
    Unit("thpt-thanh-hoa", "Chi bộ Trường THPT Thạnh Hóa", Kind.GRASSROOTS_CELL, Sector.SCHOOL, 5, [T, S, S]),
    Unit("thcs-thi-tran", "Chi bộ Trường THCS Thị trấn Thạnh Hóa", Kind.GRASSROOTS_CELL, Sector.SCHOOL, 3, [T, T, T]),
    Unit("th-thi-tran", "Chi bộ Trường Tiểu học Thị trấn Thạnh Hóa", Kind.GRASSROOTS_CELL, Sector.SCHOOL, 2, [T, T]),
    Unit("trung-tam-y-te", "Chi bộ Trung tâm Y tế huyện", Kind.GRASSROOTS_CELL, Sector.STATE_AGENCY, 3, [C, C]),
    Unit(
        "co-quan-chinh-quyen", "Đảng bộ Cơ quan Chính quyền huyện", Kind.GRASSROOTS_COMMITTEE, Sector.STATE_AGENCY,
        6, [C, C, C, C, Y],
        [("van-phong", "Chi bộ Văn phòng HĐND và UBND", "agency"), ("giao-duc", "Chi bộ Phòng Giáo dục", "agency"),
         ("tai-chinh", "Chi bộ Phòng Tài chính - Kế hoạch", "agency")],
    ),
    Unit(
        "co-quan-dang", "Đảng bộ Cơ quan Đảng - Đoàn thể huyện", Kind.GRASSROOTS_COMMITTEE, Sector.STATE_AGENCY,
        4, [C, Y],
        [("van-phong", "Chi bộ Văn phòng Huyện ủy", "agency"), ("mat-tran", "Chi bộ Mặt trận - Đoàn thể", "agency")],
    ),
    Unit(
        "quan-su", "Đảng bộ Quân sự huyện", Kind.GRASSROOTS_COMMITTEE, Sector.ARMED_FORCES, 5, [A, A, A, A],
        [("chi-huy", "Chi bộ Ban Chỉ huy", "military"), ("dai-doi", "Chi bộ Đại đội Bộ binh", "military")],
    ),
    Unit(
        "cong-an", "Đảng bộ Công an huyện", Kind.GRASSROOTS_COMMITTEE, Sector.ARMED_FORCES, 5, [A, A, A, A],
        [("an-ninh", "Chi bộ Đội An ninh", "military"), ("canh-sat", "Chi bộ Đội Cảnh sát", "military")],
    ),
]

DISTRICT_TARGETS = {2020: 70, 2021: 72, 2022: 74, 2023: 75, 2024: 76, 2025: 78, 2026: 80}
DISTRICT_TERM_TARGETS = {2020: 360, 2025: 400}
# Tân Đông's published term: 21 admissions in 2020–2025 (the term ends 30/06/2025).
TAN_DONG_BY_YEAR = {2020: 4, 2021: 5, 2022: 4, 2023: 4, 2024: 3, 2025: 1}
TAN_DONG_AFTER_TERM = {2025: 2, 2026: 3}
# Organizations without a sourcing plan for the current year, to show the alert.
NO_PLAN_THIS_YEAR = {"thanh-an", "trung-tam-y-te"}

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Phan", "Trương", "Bùi", "Đặng", "Đỗ", "Ngô",
            "Hồ", "Dương", "Lý", "Đinh", "Lâm", "Mai", "Châu"]
MIDDLE = {Gender.MALE: ["Văn", "Hữu", "Minh", "Quốc", "Thanh", "Công", "Đức", "Hoàng", "Tấn", "Thành"],
          Gender.FEMALE: ["Thị", "Ngọc", "Thu", "Kim", "Mỹ", "Thanh", "Hồng", "Bích", "Thùy", "Phương"]}
GIVEN = {Gender.MALE: ["Hùng", "Dũng", "Phúc", "Tài", "Khang", "Nam", "Tuấn", "Hải", "Long", "Phong", "Trí",
                       "Thắng", "Bảo", "Lộc", "Tâm", "Hiếu", "Nghĩa", "Quang", "Sơn", "Toàn", "Khoa", "Duy"],
         Gender.FEMALE: ["Lan", "Hoa", "Mai", "Hương", "Thảo", "Trang", "Nhung", "Yến", "Linh", "Ngân", "Hạnh",
                         "Diễm", "Thủy", "Vy", "Nhi", "Trâm", "Tuyết", "Loan", "Phượng", "Châu", "Quyên", "Uyên"]}

# Where each category is admitted inside a committee, and its usual age and schooling.
CELL_ROLE_FOR = {T: "school", R: "hamlet", Y: "hamlet", E: "military", D: "military", A: "military", C: "agency"}
AGE_RANGE = {T: (24, 40), S: (18, 18), R: (25, 50), Y: (19, 30), E: (18, 22), D: (22, 28), A: (21, 35),
             C: (24, 45), Cat.UNIVERSITY_STUDENT: (19, 22), Cat.ENTERPRISE_WORKER: (22, 40), Cat.OTHER: (22, 50)}
EDUCATION = {T: EducationLevel.UNIVERSITY, S: EducationLevel.UPPER_SECONDARY, R: EducationLevel.LOWER_SECONDARY,
             Y: EducationLevel.UPPER_SECONDARY, E: EducationLevel.UPPER_SECONDARY, D: EducationLevel.UPPER_SECONDARY,
             A: EducationLevel.COLLEGE, C: EducationLevel.UNIVERSITY}


class DemoBuilder:
    def __init__(self, *, today: datetime.date):
        self.today = today
        self.rng = random.Random(SEED)
        self.serial = 0
        self.decision_serial = 0
        self.cells_by_unit: dict[str, list[tuple[Organization, str]]] = {}
        self.members_by_cell: dict[int, list[PartyMember]] = {}
        self.classes: dict[tuple[int, int], AwarenessClass] = {}

    # ---- tree and targets -------------------------------------------------------------
    def build_tree(self) -> Organization:
        district = cell_services.organization_create(
            code=DISTRICT_CODE, name="Đảng bộ huyện Thạnh Hóa", kind=Kind.DISTRICT, sector=Sector.OTHER
        )
        for unit in UNITS:
            org = cell_services.organization_create(
                code=unit.code, name=unit.name, kind=unit.kind, sector=unit.sector, parent=district
            )
            if unit.kind == Kind.GRASSROOTS_CELL:
                self.cells_by_unit[unit.code] = [(org, "self")]
                continue
            cells = []
            for suffix, name, role in unit.cells:
                sector = Sector.SCHOOL if role == "school" else unit.sector
                cell = cell_services.organization_create(
                    code=f"{unit.code}-{suffix}", name=name, kind=Kind.CELL, sector=sector, parent=org
                )
                cells.append((cell, role))
            self.cells_by_unit[unit.code] = cells
        for cells in self.cells_by_unit.values():
            for cell, _role in cells:
                self.members_by_cell[cell.pk] = [
                    PartyMember.objects.create(
                        full_name=self.name(self.rng.choice([Gender.MALE, Gender.FEMALE]))[0],
                        organization=cell,
                        admitted_on=datetime.date(self.rng.randint(1995, 2012), self.rng.randint(1, 12), 15),
                        full_member_on=datetime.date(self.rng.randint(2013, 2016), self.rng.randint(1, 12), 15),
                        card_number=f"80.{self.rng.randint(100000, 999999)}",
                    )
                    for _ in range(2)
                ]
        return district

    def build_terms(self) -> dict[int, Term]:
        return {
            2020: Term.objects.create(start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2025, 6, 30)),
            2025: Term.objects.create(start_date=datetime.date(2025, 7, 1), end_date=datetime.date(2030, 12, 31)),
        }

    def years(self) -> range:
        return range(FIRST_YEAR, self.today.year + 1)

    def unit_target(self, unit: Unit, year: int) -> int | None:
        if year == self.today.year and unit.code in NO_PLAN_THIS_YEAR:
            return None
        if year == PUBLISHED_YEAR:
            return unit.target_2023
        if unit.code == "tan-dong":
            return {2020: 3, 2021: 3, 2022: 3, 2024: 3, 2025: 3}.get(year, 4)
        return max(1, unit.target_2023 + self.rng.choice([-1, 0, 0, 1]))

    def build_targets(self, district: Organization, terms: dict[int, Term]) -> dict[tuple[str, int], int]:
        for year in self.years():
            cell_services.target_set(
                organization=district, year=year, count=DISTRICT_TARGETS.get(year, 80), resolution=f"Kế hoạch {year}"
            )
        for start, count in DISTRICT_TERM_TARGETS.items():
            cell_services.target_set(
                organization=district, term=terms[start], count=count, resolution="Nghị quyết Đại hội Đảng bộ huyện"
            )
        targets = {}
        for unit in UNITS:
            org = Organization.objects.get(code=unit.code)
            for year in self.years():
                count = self.unit_target(unit, year)
                if count is not None:
                    targets[unit.code, year] = count
                    cell_services.target_set(organization=org, year=year, count=count, resolution=f"Kế hoạch {year}")
            term_2020 = 15 if unit.code == "tan-dong" else unit.target_2023 * 5
            cell_services.target_set(
                organization=org, term=terms[2020], count=term_2020, resolution="Nghị quyết Đại hội 2020–2025"
            )
            cell_services.target_set(
                organization=org, term=terms[2025], count=term_2020 + 5, resolution="Nghị quyết Đại hội 2025–2030"
            )
        # Tân Đông's cells plan their share too (and one hamlet has no plan this year).
        tan_dong_cells = self.cells_by_unit["tan-dong"]
        for year in (PUBLISHED_YEAR, self.today.year):
            for cell, role in tan_dong_cells[:4]:
                if year == self.today.year and role == "hamlet" and cell.code.endswith("ap-3"):
                    continue
                cell_services.target_set(organization=cell, year=year, count=1, resolution=f"Kế hoạch {year}")
        return targets

    # ---- people -----------------------------------------------------------------------
    def name(self, gender: str) -> tuple[str, str]:
        full = f"{self.rng.choice(SURNAMES)} {self.rng.choice(MIDDLE[gender])} {self.rng.choice(GIVEN[gender])}"
        return full, gender

    def person(self, category: str, cell: Organization, *, on: datetime.date) -> Candidate:
        gender = Gender.FEMALE if (category == T and self.rng.random() < 0.7) else self.rng.choice(list(Gender))
        if category in (E, A) and self.rng.random() < 0.85:
            gender = Gender.MALE
        full_name, gender = self.name(gender)
        low, high = AGE_RANGE.get(category, (20, 40))
        age = self.rng.randint(low, high)
        born = datetime.date(on.year - age - 1, self.rng.randint(1, 12), self.rng.randint(1, 28))
        if category == S:  # a student admitted at 18, born in the autumn of 18 years before
            born = datetime.date(on.year - 18, self.rng.randint(1, 3), self.rng.randint(1, 28))
        self.serial += 1
        century_gender = {Gender.MALE: 0, Gender.FEMALE: 1}[gender] + (2 if born.year >= 2000 else 0)
        national_id = f"080{century_gender}{born.year % 100:02d}{self.serial:06d}"
        candidate = candidate_services.candidate_create(
            full_name=full_name,
            date_of_birth=born,
            gender=gender,
            ethnicity="Kinh" if self.rng.random() < 0.97 else "Khmer",
            religion="Không" if self.rng.random() < 0.85 else self.rng.choice(["Phật giáo", "Công giáo", "Cao Đài"]),
            education_level=EDUCATION.get(category, EducationLevel.UPPER_SECONDARY),
            national_id=national_id,
            occupation_category=category,
            home_cell=cell,
            source="school" if category in (S, T) else ("military" if category in (E, D, A) else "cell_plan"),
            sourced_on=on,
        )
        candidate.mentors.set(self.members_by_cell[cell.pk])
        return candidate

    def awareness_class(self, year: int, round_: int) -> AwarenessClass:
        key = (year, round_)
        if key not in self.classes:
            start = datetime.date(year, 3, 6) if round_ == 1 else datetime.date(year, 8, 7)
            self.classes[key] = candidate_services.class_create(
                name=f"Lớp bồi dưỡng nhận thức về Đảng đợt {round_}/{year}",
                organizer=Organization.objects.get(code=DISTRICT_CODE),
                start_date=start,
                end_date=start + datetime.timedelta(days=4),
                place="Trung tâm Chính trị huyện Thạnh Hóa",
            )
        return self.classes[key]

    def train(self, candidate: Candidate, awareness_class: AwarenessClass, *, passed: bool = True) -> None:
        attendance = candidate_services.class_enroll(awareness_class=awareness_class, candidate=candidate)
        if passed:
            number = f"{awareness_class.start_date.year}/{awareness_class.pk:02d}-{attendance.pk:04d}"
            result = self.rng.choice([ClassAttendance.Result.EXCELLENT, ClassAttendance.Result.GOOD,
                                      ClassAttendance.Result.PASSED])
        else:
            number, result = "", ClassAttendance.Result.FAILED
        candidate_services.class_record_result(attendance=attendance, result=result, certificate_number=number)

    def steps(self, candidate: Candidate, until: str, start: datetime.date, end: datetime.date) -> None:
        """Record the dossier steps after the class, spread between `start` and `end`."""
        order = [Stage.APPLIED, Stage.VERIFIED, Stage.CELL_RESOLUTION, Stage.COMMITTEE_RESOLUTION]
        if until not in order:
            return
        chosen = order[: order.index(until) + 1]
        span = max((end - start).days, len(chosen))
        for i, stage in enumerate(chosen):
            day = start + datetime.timedelta(days=span * (i + 1) // (len(chosen) + 1))
            vote = {}
            if stage == Stage.VERIFIED:
                candidate_services.dossier_add(candidate=candidate, form_code="2-KNĐ", received_on=day)
            if stage == Stage.CELL_RESOLUTION:
                candidate_services.dossier_add(
                    candidate=candidate, form_code="3-KNĐ", received_on=day,
                    introducer=self.members_by_cell[candidate.home_cell_id][0],
                )
                candidate_services.dossier_add(candidate=candidate, form_code="5-KNĐ", received_on=day)
                members = self.rng.randint(6, 25)
                vote = {"members_total": members, "votes_for": members - self.rng.choice([0, 0, 1])}
            candidate_services.candidate_advance(candidate=candidate, stage=stage, occurred_on=day, **vote)

    def admit(self, category: str, cell: Organization, ceremony: datetime.date) -> Admission:
        # The class ends in March (round 1) or August (round 2); the dossier takes weeks after it.
        round_ = 1 if ceremony.month < 10 or self.rng.random() < 0.5 else 2
        awareness_class = self.awareness_class(ceremony.year, round_)
        candidate = self.person(category, cell, on=datetime.date(ceremony.year, 1, self.rng.randint(5, 25)))
        self.train(candidate, awareness_class)
        decision = ceremony - datetime.timedelta(days=self.rng.randint(10, 25))
        self.steps(candidate, Stage.COMMITTEE_RESOLUTION, awareness_class.end_date, decision)
        self.decision_serial += 1
        admission = candidate_services.admission_record(
            candidate=candidate,
            cell=cell,
            decision_number=f"{self.decision_serial:03d}-QĐ/HU",
            decision_date=decision,
            admitted_on=ceremony,
        )
        probation_review = admission.probation_ends_on + datetime.timedelta(days=self.rng.randint(10, 25))
        if probation_review < self.today:
            outcome = Admission.Outcome.NOT_CONFIRMED if self.rng.random() < 0.03 else Admission.Outcome.FULL_MEMBER
            candidate_services.admission_conclude(
                admission=admission, outcome=outcome, outcome_on=probation_review,
                decision_number=f"{self.decision_serial:03d}-QĐ/HU-CT",
            )
        return admission

    def dates_between(self, count: int, first: datetime.date, last: datetime.date) -> list[datetime.date]:
        if last < first:
            # Early in the year: no ceremony yet (a step may not be dated after today).
            return []
        span = (last - first).days
        return sorted(first + datetime.timedelta(days=self.rng.randint(0, span)) for _ in range(count))

    def ceremony_dates(self, count: int, year: int) -> list[datetime.date]:
        last = min(datetime.date(year, 12, 20), self.today - datetime.timedelta(days=1))
        return self.dates_between(count, datetime.date(year, 4, 20), last)

    def categories_for(self, unit: Unit, year: int, count: int) -> list[str]:
        if year == PUBLISHED_YEAR:
            return list(unit.admitted_2023)
        pool = unit.admitted_2023 or [R]
        extra = [Cat.UNIVERSITY_STUDENT, Cat.ENTERPRISE_WORKER, Cat.OTHER]
        return [self.rng.choice(pool) if self.rng.random() < 0.85 else self.rng.choice(extra) for _ in range(count)]

    def cell_for(self, unit: Unit, category: str) -> Organization:
        cells = self.cells_by_unit[unit.code]
        wanted = CELL_ROLE_FOR.get(category, "hamlet")
        matching = [cell for cell, role in cells if role in (wanted, "self")] or [cell for cell, _ in cells]
        return self.rng.choice(matching)

    def build_admissions(self, targets: dict[tuple[str, int], int]) -> None:
        for year in self.years():
            for unit in UNITS:
                if unit.code == "tan-dong":
                    self.admit_tan_dong(unit, year)
                    continue
                if year == PUBLISHED_YEAR:
                    count = len(unit.admitted_2023)
                else:
                    base = targets.get((unit.code, year), unit.target_2023)
                    count = max(0, base + self.rng.choice([-2, -1, -1, 0, 0, 1]))
                    if year == self.today.year:
                        count = round(count * min(1.0, (self.today.timetuple().tm_yday / 365) * 0.95))
                for category, ceremony in zip(self.categories_for(unit, year, count), self.ceremony_dates(count, year)):
                    self.admit(category, self.cell_for(unit, category), ceremony)

    def admit_tan_dong(self, unit: Unit, year: int) -> None:
        in_term = TAN_DONG_BY_YEAR.get(year, 0)
        after_term = TAN_DONG_AFTER_TERM.get(year, 3 if year > 2025 else 0)
        categories = self.categories_for(unit, year, in_term + after_term)
        in_term_end = datetime.date(2025, 6, 20) if year == 2025 else datetime.date(year, 12, 20)
        dates = self.dates_between(in_term, datetime.date(year, 4, 20), in_term_end)
        after_term_start = datetime.date(2025, 7, 15) if year == 2025 else datetime.date(year, 4, 20)
        after_term_end = min(datetime.date(year, 12, 20), self.today - datetime.timedelta(days=1))
        dates += self.dates_between(after_term, after_term_start, after_term_end)
        for category, ceremony in zip(categories, dates):
            self.admit(category, self.cell_for(unit, category), ceremony)

    # ---- the pipeline that is not admitted yet --------------------------------------------
    def build_pipeline(self) -> None:
        """Fill the 2023 classes to 72 + 68 attendees, and give every unit people in the pipeline."""
        sizes = {(PUBLISHED_YEAR, 1): 72, (PUBLISHED_YEAR, 2): 68}
        for (year, round_), size in sizes.items():
            awareness_class = self.awareness_class(year, round_)
            missing = size - awareness_class.attendances.count()
            for i in range(missing):
                unit = UNITS[i % len(UNITS)]
                category = self.rng.choice(unit.admitted_2023)
                candidate = self.person(category, self.cell_for(unit, category), on=datetime.date(year, 1, 20))
                passed = i % 12 != 0
                self.train(candidate, awareness_class, passed=passed)
                if not passed or i % 5 == 0:
                    candidate_services.candidate_advance(
                        candidate=candidate, stage=Stage.DROPPED, occurred_on=datetime.date(year + 1, 3, 1),
                        note="Chuyển nơi cư trú" if passed else "Không đạt lớp bồi dưỡng",
                    )
                elif i % 3 == 0:
                    self.steps(candidate, Stage.APPLIED, awareness_class.end_date, datetime.date(year + 1, 2, 1))
        # The current pipeline: sourced this year, trained in this year's classes, moving through the steps.
        this_year = self.today.year
        stages = [Stage.SOURCED, Stage.SOURCED, None, Stage.APPLIED, Stage.VERIFIED, Stage.CELL_RESOLUTION,
                  Stage.COMMITTEE_RESOLUTION]
        for unit_index, unit in enumerate(UNITS):
            for i in range(2 + unit_index % 4):
                category = self.rng.choice(unit.admitted_2023)
                # Not after today: in the first days of January the pipeline was sourced today.
                sourced_on = min(datetime.date(this_year, 1, 10 + i), self.today)
                candidate = self.person(category, self.cell_for(unit, category), on=sourced_on)
                stage = stages[(unit_index + i) % len(stages)]
                if stage == Stage.SOURCED:
                    continue
                awareness_class = self.awareness_class(this_year, 1 if i % 2 == 0 else 2)
                if awareness_class.end_date >= self.today:
                    continue
                self.train(candidate, awareness_class)
                self.steps(candidate, stage, awareness_class.end_date, self.today - datetime.timedelta(days=1))

    def build_users(self) -> list[tuple[str, str, str]]:
        User = get_user_model()
        printed = []
        for username, password, full_name, role, code in DEMO_USERS:
            user = User.objects.filter(username=username).first() or User(username=username)
            # Django's first name is the given name (Tên), its last name the family and middle names (Họ).
            user.last_name, _, user.first_name = full_name.rpartition(" ")
            user.is_superuser = user.is_staff = role is None
            user.set_password(password)
            user.save()
            if role:
                OrganizationRole.objects.get_or_create(
                    user=user, organization=Organization.objects.get(code=code), role=role
                )
            printed.append((username, password, str(role.label) if role else "admin"))
        return printed


def demo_loaded() -> bool:
    return Organization.objects.filter(code=DISTRICT_CODE).exists()


def demo_remove() -> None:
    """Delete the demo district and everything recorded under it."""
    district = Organization.objects.filter(code=DISTRICT_CODE).first()
    if district is None:
        return
    orgs = district.subtree()
    admissions = Admission.objects.filter(cell__in=orgs)
    candidates = Candidate.objects.filter(home_cell__in=orgs)
    admissions.delete()
    AwarenessClass.objects.filter(organizer__in=orgs).delete()
    candidates.delete()
    PartyMember.objects.filter(organization__in=orgs).delete()
    Organization.objects.filter(pk__in=orgs.values("pk")).order_by("-depth").delete()
    Term.objects.filter(target__isnull=True).delete()


@transaction.atomic
def demo_load(*, today: datetime.date) -> list[tuple[str, str, str]]:
    """Build the demo once; on later runs only make sure the demo users can log in."""
    builder = DemoBuilder(today=today)
    if not demo_loaded():
        district = builder.build_tree()
        terms = builder.build_terms() if not Term.objects.exists() else {
            t.start_date.year: t for t in Term.objects.all()
        }
        targets = builder.build_targets(district, terms)
        builder.build_admissions(targets)
        builder.build_pipeline()
    return builder.build_users()
