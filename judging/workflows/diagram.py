"""A Mermaid state diagram generated from the transition tables."""
from __future__ import annotations

from judging.workflows.transitions import MACHINES, OWNER, Machine


def _who(actors) -> str:
    return "/".join(sorted("owner" if a == OWNER else a for a in actors))


def machine_diagram(machine: Machine) -> str:
    lines = ["stateDiagram-v2", f"    %% {machine.name} life cycle", f"    [*] --> {machine.initial.value}"]
    for t in machine.transitions:
        for source in sorted(t.sources, key=lambda s: list(machine.states).index(s)):
            lines.append(f"    {source.value} --> {t.target.value}: {t.event} ({_who(t.actors)})")
    return "\n".join(lines)


def mermaid(machines=MACHINES) -> str:
    """Every machine as a fenced Mermaid block, ready for the README."""
    blocks = []
    for machine in machines:
        blocks.append(f"#### {machine.name.capitalize()}\n\n```mermaid\n{machine_diagram(machine)}\n```")
    return "\n\n".join(blocks) + "\n"
