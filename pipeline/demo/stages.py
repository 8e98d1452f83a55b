"""The demo's sales process: two pipelines with their stages, and the reasons deals are lost."""

from __future__ import annotations

from accounts.models import User
from pipeline.demo.run import DemoRun
from pipeline.models import LostReason, Pipeline, Stage

# name, win probability, rotting days, requirements, definition of done
StageSpec = tuple[str, int, int, list[str], str]

B2B_STAGES: list[StageSpec] = [
    ("Prospecting", 10, 14, [], "A target account with a reason to talk to us."),
    (
        "First contact with decision maker",
        20,
        10,
        ["person"],
        "We spoke with the person who decides, and they agreed to explore.",
    ),
    (
        "Needs analysis",
        40,
        14,
        ["done_call"],
        "Their problem, budget and timeline are written down.",
    ),
    (
        "Proposal",
        60,
        10,
        ["done_meeting", "decision_maker", "value"],
        "A priced proposal is in the decision maker's hands.",
    ),
    ("Negotiation", 80, 7, ["expected_close_date"], "Terms agreed in principle."),
    ("Contract", 90, 7, [], "The contract is out for signature."),
]
PARTNER_STAGES: list[StageSpec] = [
    ("Introduced", 10, 21, [], ""),
    ("Qualified", 30, 21, [], ""),
    ("Pilot", 60, 30, [], ""),
    ("Agreement", 85, 14, [], ""),
]
# The one stage marked as the moment of truth (the goals step sets the team goal on it).
MOMENT_OF_TRUTH = "Proposal"
LOST_REASONS = [
    "Price too high",
    "Chose a competitor",
    "No budget",
    "No decision / went silent",
    "Bad timing",
    "Not a fit",
]


def seed_pipelines(run: DemoRun) -> None:
    """ "B2B Sales" (everyone's default) and "Partnerships", their stages and the lost reasons."""
    run.b2b = Pipeline.objects.create(name="B2B Sales", position=0)
    run.partners = Pipeline.objects.create(name="Partnerships", position=1)
    for pipeline, spec in ((run.b2b, B2B_STAGES), (run.partners, PARTNER_STAGES)):
        Stage.objects.bulk_create(
            Stage(
                pipeline=pipeline,
                name=name,
                position=i,
                win_probability=prob,
                rotting_days=rot,
                requirements=req,
                definition_of_done=done,
                is_moment_of_truth=(name == MOMENT_OF_TRUTH),
            )
            for i, (name, prob, rot, req, done) in enumerate(spec)
        )
    run.stages = {
        p.pk: list(Stage.objects.filter(pipeline=p).order_by("position"))
        for p in (run.b2b, run.partners)
    }
    LostReason.objects.bulk_create(
        LostReason(name=name, position=i) for i, name in enumerate(LOST_REASONS)
    )
    run.lost_reasons = list(LostReason.objects.order_by("position"))
    # The users exist already (the users step runs first); they open the B2B board.
    User.objects.update(default_pipeline=run.b2b)
