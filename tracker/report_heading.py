"""The heading a printed monthly report carries as an official party document (Hướng dẫn 36-HD/VPTW on the
form of the Party's documents): on the left the committee above and the committee reporting, the report's
number; on the right the Party's name and the place and date; the title; a signature block at the end."""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from cells.models import CELL_KINDS, Organization

# What comes before a place's name in an organization's name: "Đảng bộ huyện Thạnh Hóa" → "Thạnh Hóa".
_PREFIX = re.compile(
    r"^(đảng bộ|chi bộ|đảng ủy|huyện ủy|tỉnh ủy|thành ủy|quận ủy|thị ủy)"
    r"(\s+(tỉnh|thành phố|huyện|quận|thị xã|thị trấn|xã|phường|đặc khu))?\s+",
    re.IGNORECASE,
)
# The organizations named after a place: a commune's committee, a district, a province.
_PLACE_KINDS = {Organization.Kind.DISTRICT, Organization.Kind.PROVINCE, Organization.Kind.NATIONAL}


@dataclass
class ReportHeading:
    superior: str | None  # the name of the organization directly above, when there is one
    own: str  # the reporting organization's name
    place: str  # where the report is written: "Thạnh Hóa"
    issued_on: datetime.date
    is_cell: bool  # a cell signs on behalf of the cell, a committee on behalf of its standing committee


def place_name(name: str) -> str:
    """The place in an organization's name, without what it is: "Đảng bộ xã Tân Đông" → "Tân Đông"."""
    return _PREFIX.sub("", name.strip(), count=1) or name


def report_heading(organization: Organization, today: datetime.date) -> ReportHeading:
    lineage = list(Organization.objects.filter(path__in=organization.lineage_paths()).order_by("depth"))
    superior = lineage[-2] if len(lineage) > 1 else None
    # The place: the nearest commune or district-level organization at or above it (a school's cell writes
    # from its district), else the organization itself.
    named = next(
        (org for org in reversed(lineage)
         if org.kind in _PLACE_KINDS or (org.kind == Organization.Kind.GRASSROOTS_COMMITTEE and org.sector == Organization.Sector.COMMUNE)),
        organization,
    )
    return ReportHeading(
        superior=superior.name if superior else None,
        own=organization.name,
        place=place_name(named.name),
        issued_on=today,
        is_cell=organization.kind in CELL_KINDS,
    )
