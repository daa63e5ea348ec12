"""Deadline day (target 5): officers log in, open their form, save drafts and submit; province
admins log in with TOTP and open the review queue and the statistics page.

Run by bench/run.py (headless) against gunicorn on 127.0.0.1; the accounts, their bases'
last-year figures and the admins' TOTP keys come from BENCH_ACCOUNTS (written by the
`load_setup` task). Every value an officer saved successfully is remembered, and written to
BENCH_SAVED when the run stops, so `load_verify` can compare it with the database.

BENCH_SCENARIO: "deadline" (the mixed run with think time), "form" (officers' form page, no
think time, pre-made sessions), "layout" (the password page with the same sessions: the
floor of any authenticated page) or "healthz" (no think time).
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import time
from decimal import ROUND_HALF_UP, Decimal

from locust import FastHttpUser, between, constant, events, task

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from totp import totp  # noqa: E402

CONFIG = json.load(open(os.environ["BENCH_ACCOUNTS"]))  # noqa: SIM115
SCENARIO = os.environ.get("BENCH_SCENARIO", "deadline")
YEAR = CONFIG["year"]
OFFICERS = iter(CONFIG["officers"])
ADMINS = iter(CONFIG["admins"])
SESSIONS = CONFIG["sessions"]
THINK = tuple(CONFIG.get("think", (10, 30)))
SAVED: dict[str, dict] = {}
#: (start time, request name, response time ms, failed) of every request, and when all users
#: were running: bench/run.py computes the percentiles of the run and of its steady state.
TIMES: list[tuple[float, str, float, bool]] = []
SPAWNED: list[float] = []

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION_RE = re.compile(r'<input type="hidden" name="version"(?: value="(\d*)")?')


def form_values(base: dict, rnd: random.Random) -> dict[str, str]:
    """Last year's figures scaled by one factor: every hard check passes, no soft finding."""
    factor = Decimal(str(round(rnd.uniform(0.97, 1.08), 3)))
    values = {}
    for code, (kind, raw) in base["values"].items():
        if raw is None:
            values[code] = ""
        elif kind == "bool":
            values[code] = raw
        elif kind == "int":
            values[code] = str(int(int(raw) * factor))
        else:
            values[code] = str((Decimal(raw) * factor).quantize(Decimal("0.01"), ROUND_HALF_UP))
    return values


def csrf(response) -> str:
    match = CSRF_RE.search(response.text or "")
    return match.group(1) if match else ""


class Officer(FastHttpUser):
    weight = 9
    wait_time = between(*THINK)  # reading and typing between two saves

    def on_start(self) -> None:
        self.account = next(OFFICERS, None)
        if self.account is None:
            self.stop()
            return
        self.url = f"/bases/{self.account['base']}/reports/{YEAR}/"
        self.rnd = random.Random(self.account["username"])
        self.saves_left = self.rnd.randint(2, 4)
        self.submitted = False
        page = self.client.get("/accounts/login/", name="login page")
        with self.client.post("/accounts/login/", name="login", allow_redirects=False,
                              data={"username": self.account["username"],
                                    "password": CONFIG["password"],
                                    "csrfmiddlewaretoken": csrf(page)},
                              catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"login: {response.status_code}")
        self.open_form()

    def open_form(self) -> None:
        with self.client.get(self.url, name="form page", catch_response=True) as response:
            match = VERSION_RE.search(response.text or "")
            if response.status_code != 200 or (match is None and not self.submitted):
                response.failure(f"form page: {response.status_code}, no form")
                return
            self.token = csrf(response)
            self.version = match.group(1) if match else None

    @task
    def work(self) -> None:
        if self.submitted:
            self.open_form()  # checking the status, as officers do
            return
        action = "save" if self.saves_left > 0 else "submit"
        values = form_values(self.account, self.rnd)
        data = {**values, "version": self.version or "", "action": action,
                "csrfmiddlewaretoken": self.token}
        with self.client.post(self.url, data=data, name=f"{action} (POST)",
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"{action}: {response.status_code} (not saved)")
                self.open_form()
                return
        SAVED[self.account["username"]] = {"base": self.account["base"], "values": values,
                                           "submitted": action == "submit"}
        self.saves_left -= 1
        self.submitted = action == "submit"
        self.open_form()


class Admin(FastHttpUser):
    weight = 1
    wait_time = between(*THINK)

    def on_start(self) -> None:
        self.account = next(ADMINS, None)
        if self.account is None:
            self.stop()
            return
        page = self.client.get("/accounts/login/", name="login page")
        self.client.post("/accounts/login/", name="login", allow_redirects=False,
                         data={"username": self.account["username"],
                               "password": CONFIG["password"],
                               "csrfmiddlewaretoken": csrf(page)})
        verify = self.client.get("/accounts/2fa/verify/", name="2fa page")
        with self.client.post("/accounts/2fa/verify/", name="2fa verify", allow_redirects=False,
                              data={"otp_token": totp(self.account["key"]),
                                    "csrfmiddlewaretoken": csrf(verify)},
                              catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"2fa: {response.status_code}")

    @task(2)
    def review_queue(self) -> None:
        self.client.get(f"/reports/?year={YEAR}", name="review queue")

    @task(1)
    def statistics(self) -> None:
        self.client.get(f"/statistics/?year={YEAR - 1}", name="statistics page")


class SaturateForm(FastHttpUser):
    """The form page as fast as the server answers it (a pre-made officer session)."""

    wait_time = constant(0)

    def on_start(self) -> None:
        session = SESSIONS[self.environment.runner.user_count % len(SESSIONS)]
        self.url = f"/bases/{session['base']}/reports/{YEAR}/"
        self.headers = {"Cookie": f"sessionid={session['sessionid']}"}

    @task
    def form(self) -> None:
        self.client.get(self.url, name="form page", headers=self.headers)


class SaturateLayout(SaturateForm):
    """The floor of an authenticated page: the same sessions, the password page (the layout
    and a 3-field form, no report data)."""

    def on_start(self) -> None:
        super().on_start()
        self.url = "/accounts/password/"

    @task
    def form(self) -> None:
        self.client.get(self.url, name="password page", headers=self.headers)


class SaturateHealthz(FastHttpUser):
    wait_time = constant(0)

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="healthz")


USERS = {"deadline": [Officer, Admin], "form": [SaturateForm], "layout": [SaturateLayout],
         "healthz": [SaturateHealthz]}
for _name, _cls in list(globals().items()):
    if isinstance(_cls, type) and issubclass(_cls, FastHttpUser) and _cls is not FastHttpUser:
        _cls.abstract = _cls not in USERS[SCENARIO]


@events.request.add_listener
def _record(name, response_time, exception, start_time=None, **_kwargs) -> None:
    TIMES.append((start_time or 0.0, name, response_time, exception is not None))


@events.spawning_complete.add_listener
def _spawned(user_count, **_kwargs) -> None:
    SPAWNED.append(time.time())


@events.quitting.add_listener
def _write_saved(environment, **_kwargs) -> None:
    if SCENARIO == "deadline":
        with open(os.environ["BENCH_SAVED"], "w") as handle:
            json.dump({"saved": SAVED, "times": TIMES, "spawned": SPAWNED}, handle)
