"""Load test: secretaries read dashboards and the API, staff filter candidate lists, open the form to
add a candidate (searching its cell) and admit people.

Run by bench/loadtest.sh against gunicorn + PostgreSQL + Redis + a Celery worker on this machine,
after bench/loadtest_setup.py has written bench/.loadtest.json.
"""
import datetime
import itertools
import os
import json
import random
import re
from pathlib import Path

from locust import HttpUser, between, task

SETUP = json.loads((Path(__file__).resolve().parent / ".loadtest.json").read_text())
YEAR = str(datetime.date.today().year)
LAST_YEAR = str(datetime.date.today().year - 1)
_secretaries = itertools.cycle(SETUP["secretaries"])
_staff = itertools.cycle(SETUP["staff"])
_ready = {entry["username"]: list(entry["ready"]) for entry in SETUP["staff"]}
_numbers = itertools.count(1)
_logins = itertools.count()
UNIT_LINK = re.compile(r'href="/org/([\w-]+)/"')


class Visitor(HttpUser):
    abstract = True
    wait_time = between(1, 4)  # seconds a person reads a page before the next click
    account: dict

    def on_start(self):
        # The session bench/loadtest_setup.py opened: fifty password hashes at once would measure the
        # hash (deliberately slow), not the pages. One real login per run still checks the login page.
        self.client.cookies.set("sessionid", self.account["session"])
        self.units = []
        if next(_logins) == 0:
            self.client.get("/accounts/login/", name="login page")
            self.client.post(
                "/accounts/login/",
                {"username": self.account["username"], "password": SETUP["password"],
                 "csrfmiddlewaretoken": self.client.cookies.get("csrftoken")},
                name="log in",
            )

    def dashboard(self, code, period):
        response = self.client.get(f"/org/{code}/?period={period}", name="dashboard")
        self.units = [unit for unit in UNIT_LINK.findall(response.text) if unit != code] or self.units


class Secretary(Visitor):
    weight = 4

    def on_start(self):
        self.account = next(_secretaries)
        super().on_start()

    @task(5)
    def own_dashboard(self):
        self.dashboard(self.account["org"], YEAR)

    @task(2)
    def unit_dashboard(self):
        if self.units:
            self.dashboard(random.choice(self.units), random.choice([YEAR, LAST_YEAR]))

    @task(3)
    def api(self):
        self.client.get(f"/api/v1/progress/?org={self.account['org']}&period={random.choice([YEAR, LAST_YEAR])}", name="API")

    @task(1)
    def candidate_list(self):
        self.client.get(f"/candidates/?stage={random.choice(['sourced', 'applied', 'verified'])}", name="candidate list")


class Staff(Visitor):
    weight = 1

    def on_start(self):
        self.account = next(_staff)
        super().on_start()

    @task(4)
    def filter_candidates(self):
        query = random.choice([
            "?stage=committee_resolution",
            "?stage=trained&occupation_category=teacher",
            f"?q=Người {random.randint(1, 1_000_000)}",
            f"?org={self.account['org']}-u{random.randint(1, 90)}&stage=sourced",
            f"?page={random.randint(1, 20)}",
        ])
        self.client.get(f"/candidates/{query}", name="candidate list (filtered)")

    @task(1)
    def choose_a_cell(self):
        # The "add a candidate" form, and the searches its cell field makes as the person types a name.
        self.client.get("/candidates/new/", name="add-a-candidate form")
        typed = f"{self.account['org']}-u{random.randint(1, 90)}-g{random.randint(1, 15)}"
        for letters in (typed[:-2], typed):
            self.client.get(f"/candidates/search/cells/?q={letters}", name="cell search")

    @task(1)
    def dashboard_of_the_province(self):
        self.dashboard(self.account["org"], YEAR)

    @task(int(os.environ.get("ADMIT_WEIGHT", "2")))
    def admit_someone(self):
        ready = _ready[self.account["username"]]
        if not ready:
            return
        pk = ready.pop()
        self.client.get(f"/candidates/{pk}/", name="candidate page")
        token = self.client.cookies.get("csrftoken")
        today = datetime.date.today().isoformat()
        for stage, number in (("decided", f"QĐ-{next(_numbers)}"), ("probationary", "")):
            with self.client.post(
                f"/candidates/{pk}/step/",
                {"stage": stage, "occurred_on": today, "document_number": number, "csrfmiddlewaretoken": token},
                name=f"record step: {stage}",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code != 302:
                    response.failure(f"{stage}: {response.status_code}")
