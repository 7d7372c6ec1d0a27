"""One colour per category of the dashboard's charts, whatever the period or the organization: women are
always the same colour, teachers too, so that two charts side by side (or two years) read alike. The
breakdowns are sorted by count, so colours given by position would change from one page to the next."""
from __future__ import annotations

from candidates.models import AdmissionCredit, Gender, OccupationCategory, Stage
from cells.models import Organization

# For a key the tables below do not know (a category added later): grey, never a colour of another one.
UNKNOWN = "#616161"

CHART_COLOURS: dict[str, dict[str, str]] = {
    "by_category": {
        OccupationCategory.TEACHER: "#4e79a7",
        OccupationCategory.HIGH_SCHOOL_STUDENT: "#edc948",
        OccupationCategory.UNIVERSITY_STUDENT: "#f28e2b",
        OccupationCategory.RESIDENT: "#59a14f",
        OccupationCategory.YOUTH_UNION: "#76b7b2",
        OccupationCategory.ENLISTING_SOLDIER: "#9c755f",
        OccupationCategory.DISCHARGED_SOLDIER: "#ff9da7",
        OccupationCategory.ARMED_FORCES: "#1b5e20",
        OccupationCategory.ENTERPRISE_WORKER: "#b07aa1",
        OccupationCategory.CIVIL_SERVANT: "#e15759",
        OccupationCategory.OTHER: "#bab0ac",
    },
    "by_gender": {
        Gender.MALE: "#4e79a7",
        Gender.FEMALE: "#d81b60",
    },
    "by_age_band": {
        AdmissionCredit.AgeBand.UNDER_30: "#43a047",
        AdmissionCredit.AgeBand.FROM_30_TO_45: "#fb8c00",
        AdmissionCredit.AgeBand.OVER_45: "#5e35b1",
    },
    "by_sector": {
        Organization.Sector.COMMUNE: "#59a14f",
        Organization.Sector.SCHOOL: "#4e79a7",
        Organization.Sector.ENTERPRISE: "#b07aa1",
        Organization.Sector.STATE_AGENCY: "#e15759",
        Organization.Sector.ARMED_FORCES: "#1b5e20",
        Organization.Sector.OTHER: "#bab0ac",
    },
    # The pipeline's bars, from the first step to the decision: light to dark.
    "pipeline": {
        Stage.SOURCED: "#f4a6a6",
        Stage.TRAINED: "#ec8080",
        Stage.APPLIED: "#e35d5d",
        Stage.VERIFIED: "#d63c3c",
        Stage.CELL_RESOLUTION: "#c62828",
        Stage.COMMITTEE_RESOLUTION: "#a31515",
        Stage.DECIDED: "#7f0000",
    },
}


def colour_of(chart: str, key: str) -> str:
    return CHART_COLOURS.get(chart, {}).get(key, UNKNOWN)


def colours_by_count(chart: str, mapping: dict) -> list[str]:
    """The colours of a breakdown's keys in the order the dashboard lists them (most first: the order of
    `tracker.views._labelled`)."""
    return [colour_of(chart, key) for key, _count in sorted(mapping.items(), key=lambda item: -item[1])]


def colours_in_order(chart: str, mapping: dict) -> list[str]:
    """The colours of the keys in the mapping's own order (the pipeline, by stage)."""
    return [colour_of(chart, key) for key in mapping]
