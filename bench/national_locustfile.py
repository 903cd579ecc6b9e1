"""The users bench/national.py sets on the site with locust (headless); not run on its own.

NATIONAL_USERS names a JSON file of tokens, session cookies and assignment ids that
national.py wrote; NATIONAL_PLAN is "steady" (agents reading their shifts and the on-duty
board, operators their dashboard) or "storm" (the shift change: each agent checks in once).
Both plans ask the bare JSON view alongside, the baseline of the same run.
"""

import itertools
import json
import os

from locust import HttpUser, between, constant, constant_pacing, task

with open(os.environ["NATIONAL_USERS"]) as file:
    USERS = json.load(file)
PLAN = os.environ.get("NATIONAL_PLAN", "steady")
_agents = itertools.count()
_operators = itertools.count()
_storm = itertools.count()


class TokenUser(HttpUser):
    abstract = True

    def authenticate(self, token):
        self.client.headers["Authorization"] = f"Token {token}"


class Bare(TokenUser):
    """The bare authenticated JSON view at a steady pace: the baseline."""

    fixed_count = 4
    wait_time = constant_pacing(0.2)

    def on_start(self):
        self.authenticate(USERS["agents"][0]["token"])

    @task
    def bare(self):
        self.client.get("/bench/bare/", name="bare JSON view")


if PLAN == "steady":

    class Agent(TokenUser):
        weight = 4
        wait_time = between(0.5, 1.5)

        def on_start(self):
            agents = USERS["agents"]
            self.authenticate(agents[next(_agents) % len(agents)]["token"])

        @task
        def my_shifts(self):
            self.client.get("/api/v1/me/shifts/", name="/api/v1/me/shifts/")

        @task
        def oncall(self):
            self.client.get("/api/v1/oncall/", name="/api/v1/oncall/")

    class Operator(HttpUser):
        weight = 1
        wait_time = between(1, 3)

        def on_start(self):
            operators = USERS["operators"]
            self.client.cookies.set("sessionid", operators[next(_operators) % len(operators)]["session"])

        @task
        def dashboard(self):
            self.client.get("/", name="dashboard /")

else:

    class StormAgent(TokenUser):
        """One agent of the shift change: checks in once on arrival, then waits."""

        wait_time = constant(3600)

        def on_start(self):
            me = USERS["storm"][next(_storm) % len(USERS["storm"])]
            self.authenticate(me["token"])
            self.client.post(f"/api/v1/assignments/{me['assignment']}/check-in/", name="check-in")

        @task
        def idle(self):
            pass
