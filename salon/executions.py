"""Execution views for operators: the path through the states, as the Step Functions console shows it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Step:
    name: str
    kind: str  # Task, Choice, Pass, Succeed, Fail
    entered: datetime
    exited: datetime | None = None
    attempts: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    outcome: str = "running"  # succeeded | retried | caught | failed | running
    note: str = ""

    @property
    def seconds(self) -> float | None:
        return (self.exited - self.entered).total_seconds() if self.exited else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            entered=self.entered.isoformat(),
            exited=self.exited.isoformat() if self.exited else None,
            seconds=self.seconds,
        )
        return data


def steps_from_history(events: list[dict[str, Any]]) -> list[Step]:
    """Folds GetExecutionHistory events into one Step per state entered, in order."""
    steps: list[Step] = []
    for event in events:
        kind, stamp = event["type"], event["timestamp"]
        if "stateEnteredEventDetails" in event:
            if steps and steps[-1].exited is None:  # left without exiting: a Catch moved on
                steps[-1].exited, steps[-1].outcome = stamp, "caught"
            steps.append(Step(event["stateEnteredEventDetails"]["name"], kind.removesuffix("StateEntered"), stamp))
        elif not steps:
            continue
        elif kind in ("TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled"):
            steps[-1].attempts += 1
        elif kind.endswith("Failed") and kind != "ExecutionFailed":
            details: dict[str, Any] = next((v for k, v in event.items() if k.endswith("FailedEventDetails")), {})
            steps[-1].errors.append({"error": str(details.get("error", "")), "cause": str(details.get("cause", ""))})
        elif "stateExitedEventDetails" in event:
            step = steps[-1]
            step.exited = stamp
            step.outcome = (
                "succeeded" if not step.errors else "caught" if len(step.errors) >= max(step.attempts, 1) else "retried"
            )
            output = _json(event["stateExitedEventDetails"].get("output"))
            step.note = _note(step, output)
        elif kind == "ExecutionFailed" and steps[-1].exited is None:
            steps[-1].exited, steps[-1].outcome = stamp, "failed"
        elif kind == "ExecutionSucceeded" and steps[-1].exited is None:
            steps[-1].exited, steps[-1].outcome = stamp, "succeeded"
    for later, earlier in zip(steps[1:], steps, strict=False):
        if earlier.kind == "Choice":
            earlier.note = f"chose {later.name}"
    return steps


def _json(text: str | None) -> Any:
    try:
        return json.loads(text or "null")
    except ValueError:
        return None


def _note(step: Step, output: Any) -> str:
    """The decision a state made, where the state output shows one."""
    if not isinstance(output, dict):
        return ""
    decision = (
        output.get("decision")
        if step.name in ("EvaluatePolicy", "ExplainUnusableUpload", "ExplainUnreadableImage")
        else None
    )
    if isinstance(decision, dict):
        return f"verdict {decision.get('verdict')}: {'; '.join(decision.get('reasons', []))[:160]}"
    if step.name == "DetectSentiment" and isinstance(output.get("analysis"), dict):
        return f"{output['analysis'].get('sentiment')}"
    if step.name == "DetectLanguage" and isinstance(output.get("detected"), dict):
        best = output["detected"].get("best") or {}
        return f"{best.get('LanguageCode')} ({best.get('Score')})"
    if step.name == "AssessComment" and isinstance(output.get("assessment"), dict):
        a = output["assessment"]
        return f"escalate={a.get('escalate')} burstAlert={a.get('burstAlert')} negatives={a.get('negativesInWindow')}"
    return ""


def redrive_hint(execution_arn: str, name: str) -> str:
    return (
        f"On AWS: open the execution in the Step Functions console and choose Redrive, or run "
        f"`aws stepfunctions redrive-execution --execution-arn {execution_arn}` (resumes from the failed state). "
        f"Locally: `salon redrive {name}` starts a new execution with the same input (the workflows' "
        f"conditional writes make a rerun safe)."
    )
