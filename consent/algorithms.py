"""The algorithm register: each automated process the city runs, in plain words.

Kept in code, beside the processes it describes, so a change to one is reviewed with the other.
French public bodies must publish the main rules of algorithms behind individual decisions (Code
des relations entre le public et l'administration, art. L312-1-3); this goes a little further.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Algorithm:
    code: str
    name: Any
    what_it_does: Any
    data_used: Any
    human_check: Any
    decides_alone: bool = False


ALGORITHMS: tuple[Algorithm, ...] = (
    Algorithm(
        code="photo-blurring",
        name=_("Photo blurring"),
        what_it_does=_(
            "Finds faces and number plates on the photos sent with reports and blurs them; it "
            "also removes the location and camera details hidden in the file. Only the blurred "
            "copy is ever shown in public."
        ),
        data_used=_("The photo you send. Nothing is kept by the detector after it has run."),
        human_check=_(
            "Staff see the blurred copy first and can blur more by hand; the unblurred copy is "
            "opened only with a stated reason, recorded in your data access history, and deleted "
            "90 days after the report is closed."
        ),
    ),
    Algorithm(
        code="report-routing",
        name=_("Report routing"),
        what_it_does=_(
            "Sends each report to the department in charge, from its category and the district "
            "where it was made, following rules the city publishes and maintains."
        ),
        data_used=_("The report's category and location. Never who sent it."),
        human_check=_(
            "A triager reviews every new report and can send it to another department; the "
            "change is written in the report's history."
        ),
    ),
    Algorithm(
        code="density-forecast",
        name=_("Crowd density forecast"),
        what_it_does=_(
            "Estimates how crowded each line and stop will be, by day type and time slot, from "
            "residents' density reports and passenger counters."
        ),
        data_used=_(
            "Density reports (line, stop, direction, level, time), without who sent them, and "
            "counts from sensors in vehicles."
        ),
        human_check=_(
            "Each forecast shows how many reports it rests on and how confident it is; the "
            "mobility department reviews forecasts with too few reports."
        ),
    ),
    Algorithm(
        code="budget-rules",
        name=_("Participatory budget counting rules"),
        what_it_does=_(
            "Counts the ballots of a participatory budget and selects the winning projects with "
            "the rule announced before voting opened (by number of votes, or the method of equal "
            "shares)."
        ),
        data_used=_(
            "Ballots, no longer linked to voters once voting has closed, and project costs."
        ),
        human_check=_(
            "The rule and its limits are locked when voting opens; the result is published with "
            "the counts and an explanation, and can be recomputed by anyone from the open data."
        ),
        decides_alone=True,
    ),
)
