"""Installing a prize program (from its validated definition) into the database."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from judging.models import AwardTier, Category, Criterion, Program, Score, utcnow
from judging.program.loader import load_program, program_to_dict
from judging.program.schema import Program as ProgramSpec
from judging.services import ServiceError


def install_program(session: Session, spec: ProgramSpec) -> Program:
    """Create or update the program rows from a validated spec (idempotent).

    Categories, tiers and criteria are matched by key. A criterion that already has scores
    cannot be removed or have its scale changed (the database refuses too)."""
    program = session.scalar(sa.select(Program).where(Program.key == spec.key))
    if program is None:
        program = Program(key=spec.key, name=spec.name, definition={})
        session.add(program)
    program.name = spec.name
    program.definition = program_to_dict(spec)
    program.source = spec.source
    # A new definition takes a new, later loaded_at: (id, loaded_at) keys the shared specs.
    now = utcnow()
    program.loaded_at = now if program.loaded_at is None or now > program.loaded_at \
        else program.loaded_at + timedelta(microseconds=1)
    program.__dict__.pop("spec", None)  # drop the cached spec

    existing = {c.key: c for c in program.categories}
    for position, cat_spec in enumerate(spec.categories):
        category = existing.pop(cat_spec.key, None)
        if category is None:
            category = Category(key=cat_spec.key)
            program.categories.append(category)
        category.code = cat_spec.code
        category.name = cat_spec.name
        category.entered = cat_spec.entered
        category.position = position

        tiers = {t.key: t for t in category.tiers}
        for tpos, tier_spec in enumerate(cat_spec.tiers):
            tier = tiers.pop(tier_spec.key, None)
            if tier is None:
                tier = AwardTier(key=tier_spec.key)
                category.tiers.append(tier)
            tier.name = tier_spec.name
            tier.slots = tier_spec.slots
            tier.applicant_types = list(tier_spec.applicant_types)
            tier.position = tpos
        for stale in tiers.values():
            category.tiers.remove(stale)

        criteria = {c.key: c for c in category.criteria}
        for cpos, crit_spec in enumerate(cat_spec.criteria):
            criterion = criteria.pop(crit_spec.key, None)
            if criterion is None:
                criterion = Criterion(key=crit_spec.key)
                category.criteria.append(criterion)
            elif (criterion.scale_min, criterion.scale_max) != (crit_spec.scale_min, crit_spec.scale_max):
                _refuse_if_scored(session, criterion, "change the scale of")
            criterion.name = crit_spec.name
            criterion.weight = crit_spec.weight
            criterion.scale_min = crit_spec.scale_min
            criterion.scale_max = crit_spec.scale_max
            criterion.position = cpos
        for stale in criteria.values():
            _refuse_if_scored(session, stale, "remove")
            category.criteria.remove(stale)
    for stale in existing.values():
        raise ServiceError(
            f"Category '{stale.key}' is missing from the new program file; categories "
            "cannot be removed from an installed program."
        )
    session.flush()
    return program


def _refuse_if_scored(session: Session, criterion: Criterion, action: str) -> None:
    if criterion.id is None:
        return
    used = session.scalar(sa.select(sa.func.count()).where(Score.criterion_id == criterion.id))
    if used:
        raise ServiceError(
            f"Cannot {action} criterion '{criterion.key}': {used} scores already use it."
        )


def install_program_file(session: Session, path: str) -> Program:
    return install_program(session, load_program(path))
