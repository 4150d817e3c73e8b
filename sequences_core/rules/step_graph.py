"""A template's steps as a graph: every step goes on to the next, a condition to its two
targets. Checked whenever steps change, so no enrollment can be led somewhere that does not
exist or round a loop that never waits.

Errors: a branch to a step that is not in this template; a loop with no wait step in it
(it would spin without time passing); a loop through an email or webhook step (the same
step would go twice under one idempotency key, which the engine refuses to do). Warnings:
a step no path from the first step reaches.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

BRANCHES = ("if_true", "if_false")


class Node(Protocol):
    """A step as the graph reads it (a stored step or the rules' plain one)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def type(self) -> str: ...
    @property
    def config(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class GraphReport:
    errors: dict[str, str]  # field -> message, the field named `steps.<id>.config.<branch>`
    warnings: list[str]


def successors(steps: Sequence[Node], index: int) -> Iterator[int | None]:
    """Where a step can lead: a position, or None for the end of the sequence."""
    step = steps[index]
    if step.type != "condition":
        yield index + 1 if index + 1 < len(steps) else None
        return
    for branch in BRANCHES:
        yield target_index(steps, index, step.config.get(branch, "next"))


def target_index(steps: Sequence[Node], index: int, target: Any) -> int | None:
    """A branch target as a position (None: the end); raises KeyError for an unknown id."""
    if target == "end":
        return None
    if target == "next":
        return index + 1 if index + 1 < len(steps) else None
    positions = {str(s.id): i for i, s in enumerate(steps)}
    return positions[str(target)]


def check_graph(steps: Sequence[Node]) -> GraphReport:
    errors = _unknown_targets(steps)
    if errors:
        return GraphReport(errors, [])
    errors.update(_loops(steps))
    return GraphReport(errors, _unreachable(steps))


def _unknown_targets(steps: Sequence[Node]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for index, step in enumerate(steps):
        if step.type != "condition":
            continue
        for branch in BRANCHES:
            try:
                target_index(steps, index, step.config.get(branch, "next"))
            except KeyError:
                errors[f"steps.{step.id}.config.{branch}"] = (
                    f"step {index + 1} ({step.type}) branches to a step that is not in this "
                    "template"
                )
    return errors


def _loops(steps: Sequence[Node]) -> dict[str, str]:
    """Every cycle through a condition's branch (plain steps only go forward)."""
    errors: dict[str, str] = {}
    for index, step in enumerate(steps):
        if step.type != "condition":
            continue
        for branch in BRANCHES:
            target = target_index(steps, index, step.config.get(branch, "next"))
            if target is None or target > index:
                continue
            kinds = {steps[i].type for i in range(target, index + 1)}
            field = f"steps.{step.id}.config.{branch}"
            if "wait" not in kinds:
                errors[field] = f"step {index + 1} loops back to step {target + 1} with no wait"
            elif kinds & {"email", "webhook"}:
                errors[field] = (
                    f"step {index + 1} loops back over an email or webhook step: the same step "
                    "would go twice"
                )
    return errors


def _unreachable(steps: Sequence[Node]) -> list[str]:
    seen: set[int] = set()
    todo = [0] if steps else []
    while todo:
        index = todo.pop()
        if index in seen:
            continue
        seen.add(index)
        todo.extend(i for i in successors(steps, index) if i is not None)
    return [
        f"step {i + 1} ({s.type}) is not reached from the first step"
        for i, s in enumerate(steps)
        if i not in seen
    ]
