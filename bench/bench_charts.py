"""Chart builders: median time to build each chart and serialise it (`to_dict`, which validates the spec) on the
real tables, the cost an explorer pays on every filter change. Epoch and AIID come from ../shared/external
when it is present; without it those two are skipped.
"""

from __future__ import annotations

import sys
from pathlib import Path

from run import median_seconds

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

LIVE_FILES = {"epoch_models": "epoch-ai-models/notable_ai_models.csv",
              "aiid_incidents": "aiid-ai-incident-database/incidents.csv"}


def run() -> dict:
    import altair as alt
    from live_server import shared_external

    from workbench import charts, datasets
    from workbench.datasets import live

    frames = {name: datasets.load(name) for name in
              ("funding_events", "governance_events", "org_structures", "policy_events")}
    external = shared_external()
    if external is not None:
        frames |= {name: live.parse(name, external / path) for name, path in LIVE_FILES.items()}
    builders = {
        "funding_timeline": ("funding_events", charts.funding_timeline),
        "cumulative_by_recipient": ("funding_events", charts.cumulative_by_recipient),
        "investor_recipient_matrix": ("funding_events", charts.investor_recipient_matrix),
        "valuation_steps": ("funding_events", charts.valuation_steps),
        "compute_link_share": ("funding_events", charts.compute_link_share),
        "structure_bands": ("org_structures", charts.structure_bands),
        "governance_timeline": ("governance_events", charts.governance_timeline),
        "policy_timeline": ("policy_events", charts.policy_timeline),
        "concern_instrument_matrix": ("policy_events", charts.concern_instrument_matrix),
        "training_compute": ("epoch_models", charts.training_compute),
        "incidents_per_year": ("aiid_incidents", charts.incidents_per_year),
    }
    results: dict = {"unit": "milliseconds, median of 7 (build + to_dict)", "rows_in": {}, "build_ms": {},
                     "build_and_spec_ms": {}}
    with alt.theme.enable(charts.THEME):
        for name, (dataset, build) in builders.items():
            if dataset not in frames:
                continue
            frame = frames[dataset]
            results["rows_in"][name] = frame.height
            results["build_ms"][name] = _ms(lambda b=build, f=frame: b(f))
            results["build_and_spec_ms"][name] = _ms(lambda b=build, f=frame: b(f).to_dict())
    return results


def _ms(action) -> float:
    return round(1000 * median_seconds(action), 2)


if __name__ == "__main__":
    import json

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    print(json.dumps(run(), indent=2))
