"""Every page a demo user reaches, in Vietnamese, shows no word of an English interface and no ISO date.

The pages are found as a user finds them: from the home page and a few starting points (the lists, a
past year and term, a past month's report, the password page, the admin's index), following the links
of each page; of each kind of page (URL name) a few, and of each page a few of its queries (a period, a
filter, a sort), the downloads left out. What is checked is the text a reader sees: tags, scripts and
styles stripped, entities decoded, and the words shown in attributes (a tooltip, a placeholder, an
image's text, a button's label).
"""
from __future__ import annotations

import datetime
import html
import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import Resolver404, resolve

from candidates.models import Admission, Candidate, PIPELINE_STAGES, Stage
from candidates.services import admission_correct
from cells.models import Organization
from cells.services import organization_deactivate, organization_merge, organization_move

# Words of an English interface that a Vietnamese page has no reason to show, matched as whole words and
# as written: "No" is not the Vietnamese "no", "Add" not a part of "Address". Left out: "email", which
# Vietnamese uses as it is ("Địa chỉ email"), and words that are Vietnamese too ("Ban", "To", "Do", "An").
ENGLISH_WORDS = [
    "Save", "save", "Delete", "delete", "Home", "Add", "add", "Change", "change", "changed", "History", "history",
    "Historical", "moved", "effective", "merged", "deactivated", "corrected", "created", "deleted", "Search",
    "Filter", "filter", "Action", "Actions", "Yes", "No", "None", "Unknown", "unknown", "Logout", "Log out", "Log in",
    "Password", "password", "Periodic", "periodic", "Task", "task", "Tasks", "Interval", "interval", "Crontab",
    "crontab", "Clocked", "Solar", "Schedule", "schedule", "Scheduler", "Access", "access", "attempt", "attempts",
    "failure", "Failure", "Username", "Submit", "Cancel", "Close", "Show all", "View", "View site", "Welcome",
    "Documentation", "Recent", "Authentication", "Groups", "Users", "Enabled", "enabled", "Description", "Arguments",
    "Keyword", "Expires", "Queue", "Exchange", "Routing", "Priority", "Headers", "Name", "Date", "Time", "Today",
    "Status", "Created", "Updated", "Object", "Reason", "Comment", "Revert", "Print", "Download", "Upload", "Import",
    "Export", "Report", "Dashboard", "Candidates", "Organization", "Target", "Targets", "Month", "Year", "Term",
    "Queued", "Running", "Done", "Failed", "Error", "Errors", "Reset", "Forgotten", "Confirm", "Back", "Next",
    "Previous", "Total", "Results", "Clear", "Skip", "Toggle", "theme", "Sidebar", "Human readable",
]

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@dataclass(frozen=True)
class DemoUser:
    password: str
    organization: str  # the code of the organization of their role (the district for the superuser)
    enters_data: bool  # board staff and the superuser: the import and targets pages
    superuser: bool = False


DEMO_USERS = {
    "admin": DemoUser("QuanTri@2026", "thanh-hoa", enters_data=True, superuser=True),
    "bantochuc": DemoUser("BanToChuc@2026", "thanh-hoa", enters_data=True),
    "bithu.huyen": DemoUser("BiThuHuyen@2026", "thanh-hoa", enters_data=False),
    "bithu.tandong": DemoUser("BiThuTanDong@2026", "tan-dong", enters_data=False),
}


class _VisibleText(HTMLParser):
    """The text a reader sees: text outside scripts, styles and templates, and the words that attributes
    show (a tooltip, a placeholder, an image's text, a button's label)."""

    HIDDEN = {"script", "style", "template"}
    SHOWN_ATTRIBUTES = ("title", "placeholder", "alt", "aria-label")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
            return
        values = dict(attrs)
        self.parts += [values[name] for name in self.SHOWN_ATTRIBUTES if values.get(name)]
        if tag == "input" and values.get("type") in ("submit", "button", "reset") and values.get("value"):
            self.parts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _VisibleText()
    parser.feed(page)
    parser.close()
    return " ".join(html.unescape(" ".join(parser.parts)).split())


_WORDS = {word: re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])") for word in ENGLISH_WORDS}


def _around(text: str, match: re.Match) -> str:
    return text[max(match.start() - 50, 0):match.end() + 50]


def problems_in(text: str) -> list[str]:
    """What a Vietnamese reader should not meet in `text`: each English word found, each ISO date."""
    found = [f"English {word!r} in “…{_around(text, match)}…”" for word, pattern in _WORDS.items() if (match := pattern.search(text))]
    found += [f"ISO date in “…{_around(text, match)}…”" for match in ISO_DATE.finditer(text)]
    return found


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a" and (href := dict(attrs).get("href")):
            self.hrefs.append(href)


def links_of(page: str, url: str) -> list[str]:
    """The site's pages that `page` (at `url`) links to, as paths with their queries."""
    parser = _Links()
    parser.feed(page)
    links = []
    for href in parser.hrefs:
        href = urldefrag(href).url
        if href.startswith("?"):
            links.append(urlsplit(url).path + href)
        elif href.startswith("/") and not href.startswith("//"):
            links.append(href)
        # The admin's relative links ("../") reach pages that other links reach too.
    return links


# Links that are not pages: downloads, static and media files, the language switch.
NOT_PAGES = re.compile(r"\.xlsx|[?&](export|format)=xlsx|[?&]download=1|^/(static|media|i18n)/")
PER_KIND = 2


def crawl(client, starts: list[str], per_kind: int = PER_KIND, limit: int = 600) -> dict[str, str]:
    """{url: visible text} of the HTML pages reached from `starts`: every start, and, of the pages they
    lead to, `per_kind` pages of each kind (URL name) and `per_kind` queries of each page."""
    paths_of_kind: dict[str, set] = {}
    queries_of_path: Counter = Counter()
    queue, queued, pages = list(starts), set(starts), {}
    while queue and len(pages) < limit:
        url = queue.pop(0)
        path = urlsplit(url).path
        try:
            kind = resolve(path).view_name
        except Resolver404:
            continue
        paths = paths_of_kind.setdefault(kind, set())
        if url not in starts and (queries_of_path[path] >= per_kind or (path not in paths and len(paths) >= per_kind)):
            continue
        response = client.get(url)
        if response.status_code in (301, 302):
            if (target := response["Location"]) not in queued:
                queued.add(target)
                queue.insert(0, target)
            continue
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        paths.add(path)
        queries_of_path[path] += 1
        page = response.content.decode()
        pages[url] = visible_text(page)
        for link in links_of(page, url):
            if link not in queued and not NOT_PAGES.search(link):
                queued.add(link)
                queue.append(link)
    return pages


def kinds_of(pages: dict[str, str]) -> set[str]:
    return {resolve(urlsplit(url).path).view_name for url in pages}


@pytest.fixture
def vietnamese_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    return client


def _starts(user: DemoUser) -> list[str]:
    org, last_year = user.organization, datetime.date.today().year - 1
    starts = [
        "/", "/candidates/", "/candidates/classes/", "/candidates/deadlines/", "/accounts/password_change/",
        f"/org/{org}/?period=2023", f"/org/{org}/?period=2020-2025", f"/org/{org}/report/?month={last_year}-12",
    ]
    if user.enters_data:
        starts += ["/candidates/import/", f"/org/{org}/targets/?period=2023"]
    if user.superuser:
        starts += ["/admin/", "/changes/"]
    return starts


def _expected_kinds(user: DemoUser) -> set[str]:
    kinds = {"tracker:dashboard", "candidates:list", "candidates:detail", "candidates:deadlines", "tracker:report",
             "password_change"}
    if user.organization == "thanh-hoa":  # the district organizes the awareness classes
        kinds |= {"candidates:class_detail"}
    if user.enters_data:
        kinds |= {"candidates:import", "tracker:targets", "candidates:edit"}
    if user.superuser:
        kinds |= {"admin:index", "tracker:recent_changes", "admin:candidates_candidate_changelist",
                  "admin:candidates_candidate_change", "admin:candidates_candidate_history",
                  "admin:cells_organization_change", "admin:auth_user_change", "admin:auth_group_add",
                  "admin:django_celery_beat_periodictask_change", "admin:django_celery_beat_crontabschedule_change",
                  "admin:axes_accessattempt_changelist"}
    return kinds


@pytest.mark.django_db
@pytest.mark.parametrize("username", list(DEMO_USERS))
def test_every_page_a_demo_user_reaches_is_in_vietnamese_with_dates_dd_mm_yyyy(vietnamese_client, username):
    user = DEMO_USERS[username]
    assert vietnamese_client.login(username=username, password=user.password)
    pages = crawl(vietnamese_client, _starts(user))
    assert _expected_kinds(user) <= kinds_of(pages), "pages not reached"
    assert sum(kind == "tracker:dashboard" for kind in map(lambda url: resolve(urlsplit(url).path).view_name, pages)) >= 2
    problems = [f"{url}: {problem}" for url, text in pages.items() for problem in problems_in(text)]
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
def test_the_history_of_a_restructured_district_reads_in_vietnamese(vietnamese_client, django_user_model):
    """Moves, merges, closings and corrections are recorded with English reasons, and shown translated."""
    admin = django_user_model.objects.get(username="admin")
    july = datetime.date(2025, 7, 1)
    cell = lambda code: Organization.objects.get(code=code)  # noqa: E731
    organization_move(organization=cell("tan-dong-ap-3"), new_parent=cell("thuy-dong"), effective_on=july, acting_user=admin)
    organization_merge(source=cell("tan-dong-ap-2"), into=cell("tan-dong-ap-1"), effective_on=july, acting_user=admin)
    idle = Organization.objects.filter(kind=Organization.Kind.CELL, is_active=True).exclude(code__startswith="tan-dong").exclude(
        candidates__stage__in=PIPELINE_STAGES
    ).first()
    organization_deactivate(organization=idle, effective_on=july, acting_user=admin)
    # A probationary member admitted a while ago, whose ceremony was typed a day early.
    admission = Admission.objects.filter(
        candidate__stage=Stage.PROBATIONARY, admitted_on__lt=datetime.date.today() - datetime.timedelta(days=2)
    ).order_by("pk").first()
    admission_correct(admission=admission, admitted_on=admission.admitted_on + datetime.timedelta(days=1), acting_user=admin)
    moved_person = Candidate.history.filter(history_change_reason__startswith="cell merged into").first()

    assert vietnamese_client.login(username="admin", password="QuanTri@2026")
    urls = [
        "/changes/",
        f"/admin/cells/organization/{cell('tan-dong-ap-3').pk}/history/",
        f"/admin/cells/organization/{cell('tan-dong-ap-2').pk}/history/",
        f"/admin/cells/organization/{idle.pk}/history/",
        f"/admin/candidates/admission/{admission.pk}/history/",
        f"/admin/candidates/candidate/{admission.candidate_id}/history/",
        f"/candidates/{admission.candidate_id}/",
    ]
    if moved_person:  # someone waiting in the merged cell
        urls += [f"/admin/candidates/candidate/{moved_person.id}/history/", f"/candidates/{moved_person.id}/"]
    pages = {}
    for url in urls:
        response = vietnamese_client.get(url)
        assert response.status_code == 200, url
        pages[url] = visible_text(response.content.decode())
    problems = [f"{url}: {problem}" for url, text in pages.items() for problem in problems_in(text)]
    assert problems == [], "\n".join(problems)
    changes = pages["/changes/"]
    assert "đã chuyển nơi trực thuộc, hiệu lực từ 01/07/2025" in changes
    assert "đã hợp nhất vào tan-dong-ap-1" in changes
    assert "đã ngừng hoạt động" in changes
    assert "đã đính chính" in changes
    assert "đã đính chính ngày lễ kết nạp" in pages[f"/admin/candidates/candidate/{admission.candidate_id}/history/"]


@pytest.mark.django_db
def test_the_password_pages_are_in_the_apps_own_layout(vietnamese_client, django_user_model):
    def app_page(url, **post):
        response = vietnamese_client.post(url, post) if post else vietnamese_client.get(url, follow=True)
        page = response.content.decode()
        assert response.status_code == 200, url
        assert "navbar-brand" in page and 'id="site-name"' not in page, f"{url} is not in the app's layout"
        assert "/admin/" not in page, f"{url} links to the admin"
        assert problems_in(visible_text(page)) == [], url
        return page

    app_page("/accounts/password_reset/")
    user = django_user_model.objects.get(username="bantochuc")
    user.email = "bantochuc@thanhhoa.example.vn"
    user.save()
    assert vietnamese_client.post("/accounts/password_reset/", {"email": user.email}).status_code == 302
    app_page("/accounts/password_reset/done/")
    app_page("/accounts/reset/MQ/set-password/")  # a link that no longer works
    app_page("/accounts/reset/done/")
    assert vietnamese_client.login(username="bantochuc", password="BanToChuc@2026")
    app_page("/accounts/password_change/")
    # A new password that is too short is refused in Vietnamese, on the same page.
    refused = app_page("/accounts/password_change/", old_password="BanToChuc@2026", new_password1="ab1", new_password2="ab1")
    assert "quá ngắn" in refused
    app_page("/accounts/password_change/done/")


@pytest.mark.django_db
@override_settings(AXES_ENABLED=True)
def test_the_lockout_page_links_back_to_the_login_page(vietnamese_client):
    from axes.utils import reset

    for _attempt in range(5):
        vietnamese_client.post("/accounts/login/", {"username": "bithu.huyen", "password": "sai"}, REMOTE_ADDR="10.0.0.9")
    locked = vietnamese_client.post(
        "/accounts/login/", {"username": "bithu.huyen", "password": "BiThuHuyen@2026"}, REMOTE_ADDR="10.0.0.9"
    )
    reset(username="bithu.huyen")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert 'href="/accounts/login/"' in page
    assert problems_in(visible_text(page)) == []
