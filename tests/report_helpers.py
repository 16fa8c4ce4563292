"""Build reports and the matching Python estimates for the report tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from estimator.api import Options, estimate
from estimator.scenario.io import example_path, validate_scenario

SAMPLES = 2000


def example_data() -> dict[str, Any]:
    return yaml.safe_load(example_path().read_text())


def estimate_of(data: dict[str, Any], catalog: Any) -> Any:
    scenario = validate_scenario(data, "test scenario")
    return estimate(scenario, catalog, Options(samples=SAMPLES))


def write_scenario(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return path


def headline_of(found: Any) -> list[str]:
    """Every text of the report's headline region (and the two chart titles that state the
    verdict) for an estimate, worded by Python: what the page must show."""
    from estimator.renderers.headline import headline
    from estimator.renderers.html import own_decided
    from estimator.renderers.reasons import labeller, worded

    found = worded(found)
    decided = own_decided(found)
    assert decided is not None
    said = headline(decided, labeller(found))
    return [*said.texts(), said.cost_title, said.decision_title]


def headlines_at_every_stop(found: Any) -> list[list[str]]:
    """The same texts at every stop of the sliders, from the estimate's own what-if grid, in
    the page's order of stops (rate, then volume, then cost per error)."""
    from estimator.renderers.headline import headline
    from estimator.renderers.html import decided_at
    from estimator.renderers.reasons import labeller

    label = labeller(found)
    out = []
    for point in found.decision.what_if.points:
        said = headline(decided_at(found, point), label)
        out.append([*said.texts(), said.cost_title, said.decision_title])
    return out


# the page's headline region, read in the order of `headline_of`
PAGE_HEADLINE = """() => {
  const t = id => { const el = document.getElementById(id); return el ? el.textContent : ""; };
  return [t("verdict"), t("verdict-chosen") + t("verdict-share"),
    ...Array.from(document.querySelectorAll("#verdict-reasons li")).map(li => li.textContent),
    t("recommended-monthly"), t("recommended-label"), t("pair-label"), t("pair-multiplier"),
    t("break-even-label"), t("break-even-value"), t("cost-title"), t("decision-title")];
}"""

# every stop of the three sliders, moved as a user moves them, and the headline at each
WALK_STOPS = """() => {
  const ids = ["wi-rate", "wi-volume", "wi-cpe"];
  const size = id => Number(document.getElementById(id).max) + 1;
  const move = (id, i) => {
    const el = document.getElementById(id);
    el.value = String(i);
    el.dispatchEvent(new Event("input", {bubbles: true}));
  };
  const read = HEADLINE;
  const out = [];
  for (let r = 0; r < size("wi-rate"); r++) {
    move("wi-rate", r);
    for (let v = 0; v < size("wi-volume"); v++) {
      move("wi-volume", v);
      for (let c = 0; c < size("wi-cpe"); c++) { move("wi-cpe", c); out.push(read()); }
    }
  }
  document.getElementById("wi-reset").click();
  return out;
}""".replace("HEADLINE", PAGE_HEADLINE)
