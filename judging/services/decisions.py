"""Decisions after the judges have scored: closing rounds (shortlisting), the award
allocation by tier, special mentions, the chair's overrides, approval, corrections and
publication.

Every function flushes but never commits: the request or command commits once, and any
refusal (ServiceError, TransitionError) leaves the caller to roll everything back, so a
step either happens completely or not at all.

"Current" decisions are the award decisions no other decision supersedes. Before approval
a proposal can be regenerated or overridden (the override row replaces the proposal and
carries the chair's reason; the change is also written to the audit trail). After
approval decisions are immutable: a correction is a new decision that supersedes the old
one, with its reason and the matching entry transitions.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from judging.models import (
    AuditEvent,
    AwardDecision,
    AwardTier,
    Category,
    Edition,
    EditionState,
    Entry,
    EntryState,
    Review,
    ReviewState,
    Role,
    Round,
    RoundState,
    User,
    utcnow,
)
from judging.services import ServiceError
from judging.services.notifications import notify
from judging.services.ranking import rank_round_category, ranked_categories
from judging.workflows.engine import apply, apply_many

# An entry may receive an award (or a special mention) from these states.
AWARDABLE_STATES = frozenset({EntryState.SHORTLISTED, EntryState.NOT_SHORTLISTED})
CORRECTABLE_STATES = AWARDABLE_STATES | {EntryState.NOT_AWARDED}
# Decided, and holding an award.
AWARDED_STATES = frozenset({EntryState.AWARDED, EntryState.CERTIFIED})
PUBLIC_STATES = frozenset({EditionState.PUBLISHED, EditionState.ARCHIVED})
DEFAULT_FINALIST_SHARE = 0.2


# ----- reading decisions ---------------------------------------------------------------------
def _superseded_ids():
    return sa.select(AwardDecision.supersedes_id).where(AwardDecision.supersedes_id.is_not(None))


def current_decisions(session: Session, edition: Edition) -> list[AwardDecision]:
    """The decisions in force (not superseded), with their entries, in slot order."""
    return list(session.scalars(
        sa.select(AwardDecision)
        .options(joinedload(AwardDecision.entry))
        .where(AwardDecision.edition_id == edition.id, AwardDecision.id.not_in(_superseded_ids()))
        .order_by(AwardDecision.category_id, AwardDecision.tier_key, AwardDecision.slot)
    ).unique())


def decision_history(session: Session, edition: Edition) -> list[AwardDecision]:
    """Every decision ever recorded for the edition, oldest first (corrections included)."""
    return list(session.scalars(
        sa.select(AwardDecision)
        .options(joinedload(AwardDecision.entry), joinedload(AwardDecision.decided_by),
                 joinedload(AwardDecision.approved_by))
        .where(AwardDecision.edition_id == edition.id)
        .order_by(AwardDecision.id)
    ).unique())


def is_current(session: Session, decision: AwardDecision) -> bool:
    return session.scalar(sa.select(sa.func.count()).where(
        AwardDecision.supersedes_id == decision.id)) == 0


def award_for_entry(session: Session, entry: Entry) -> AwardDecision | None:
    """The current decision that gives this entry an award, if any."""
    return session.scalar(
        sa.select(AwardDecision).where(AwardDecision.entry_id == entry.id,
                                       AwardDecision.id.not_in(_superseded_ids())))


def _tier(category: Category, tier_key: str) -> AwardTier:
    tier = next((t for t in category.tiers if t.key == tier_key), None)
    if tier is None:  # pragma: no cover - decisions are made from the tiers
        raise ServiceError(f"{category.name} has no award tier '{tier_key}'.")
    return tier


def _type_words(edition: Edition, keys: Iterable[str]) -> str:
    spec = edition.program.spec
    labels = []
    for key in keys:
        try:
            labels.append(spec.applicant_type(key).label.lower())
        except KeyError:
            labels.append(key)
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " or " + labels[-1]


def _audit(session: Session, edition: Edition, actor: User, event: str, *, reason: str = "",
           details: dict | None = None, now: datetime | None = None, subject_type: str = "edition",
           subject_id: int | None = None) -> AuditEvent:
    event_row = AuditEvent(occurred_at=now or utcnow(), actor_id=actor.id, edition_id=edition.id,
                           subject_type=subject_type, subject_id=subject_id or edition.id,
                           event=event, reason=reason, details=details or {})
    session.add(event_row)
    return event_row


def _num(value: float | None, places: int = 6) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), places)


def _to(entry: Entry) -> User | str:
    return entry.owner if entry.owner is not None else entry.contact_email


def _require_role(actor: User, *roles: Role, doing: str) -> None:
    if not actor.has_role(*roles):
        who = " or ".join(r.value for r in roles)
        raise ServiceError(f"Only the {who} may {doing}.")


# ----- rounds ----------------------------------------------------------------------------------
@dataclass
class CategoryShortlist:
    category_name: str
    ranked: int
    quota: int
    method_used: str
    shortlisted: list[str] = field(default_factory=list)
    not_shortlisted: list[str] = field(default_factory=list)
    tied_at_cutoff: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        text = (f"{self.category_name}: {self.ranked} ranked ({self.method_used}), "
                f"{len(self.shortlisted)} shortlisted (quota {self.quota}), "
                f"{len(self.not_shortlisted)} not shortlisted.")
        if self.tied_at_cutoff:
            text += (" Tied at the cut-off and all shortlisted: "
                     + ", ".join(self.tied_at_cutoff) + ".")
        return text


@dataclass
class CloseRoundResult:
    round_number: int
    round_name: str
    categories: list[CategoryShortlist] = field(default_factory=list)

    @property
    def messages(self) -> list[str]:
        if not self.categories:
            return [f"{self.round_name} is closed."]
        return [f"{self.round_name} is closed."] + [c.summary for c in self.categories]


def finalist_quota(share: float, n: int) -> int:
    """How many of `n` ranked entries become finalists: ceil(share x n), at least 1 when n > 0.
    (Rounded first, so 0.2 x 15 is 3, not 4 from floating-point noise.)"""
    if n <= 0:
        return 0
    return max(1, math.ceil(round(share * n, 9)))


def open_round(session: Session, rnd: Round, *, actor: User, now: datetime | None = None) -> None:
    """Open a round (the next one, after the earlier rounds closed)."""
    apply(rnd, "open_round", actor=actor, now=now)


def close_round(session: Session, rnd: Round, *, actor: User,
                now: datetime | None = None) -> CloseRoundResult:
    """Close a round; if it shortlists (it has a finalist share), rank every category and
    shortlist the top share, the rest not shortlisted, and tell the applicants.

    One transaction for the caller: the round's guard (every assigned review submitted), the
    rankings, every entry transition and the messages; any refusal means nothing changes.
    The ranking used is recorded in the audit trail so the shortlist can be explained.
    """
    now = now or utcnow()
    edition = rnd.edition
    apply(rnd, "close_round", actor=actor, now=now)
    result = CloseRoundResult(rnd.number, rnd.name)
    snapshot: dict[str, dict] = {}
    shortlist_entries: list[Entry] = []
    rest_entries: list[Entry] = []
    categories = ranked_categories(edition.program.categories)
    for category in categories:
        ranking = rank_round_category(session, rnd, category)
        in_review = session.scalars(
            sa.select(Entry).where(Entry.edition_id == edition.id, Entry.category_id == category.id,
                                   Entry.state == EntryState.IN_REVIEW).order_by(Entry.id)
        ).all() if rnd.finalist_share is not None else []
        if not ranking.rows and not in_review:
            continue
        if rnd.finalist_share is not None:
            ranked_ids = {r.entry_id for r in ranking.rows}
            missing = [e.label for e in in_review if e.id not in ranked_ids]
            if missing:
                raise ServiceError(
                    f"{category.name}: {len(missing)} entr{'y has' if len(missing) == 1 else 'ies have'} "
                    f"no review that counts in {rnd.name} ({', '.join(missing[:6])}"
                    f"{' ...' if len(missing) > 6 else ''}). Assign another judge before closing."
                )
        quota = finalist_quota(rnd.finalist_share, len(ranking.rows)) if rnd.finalist_share else 0
        summary = CategoryShortlist(category.name, len(ranking.rows), quota, ranking.method_used,
                                    warnings=list(ranking.warnings))
        rows_snapshot = []
        for row in ranking.rows:
            decision = ""
            if rnd.finalist_share is not None:
                if row.rank <= quota:
                    decision = "shortlisted"
                    summary.shortlisted.append(row.reference)
                else:
                    decision = "not_shortlisted"
                    summary.not_shortlisted.append(row.reference)
            rows_snapshot.append({
                "entry_id": row.entry_id, "reference": row.reference, "rank": row.rank,
                "score": _num(row.score), "raw_mean": _num(row.raw_mean),
                "z_mean": _num(row.z_mean), "calibrated": _num(row.calibrated),
                "n_judges": row.n_judges, "tie_break": row.tie_break, "decision": decision,
            })
        if rnd.finalist_share is not None and len(summary.shortlisted) > quota:
            cut_rank = max(r.rank for r in ranking.rows if r.rank <= quota)
            summary.tied_at_cutoff = [r.reference for r in ranking.rows if r.rank == cut_rank]
        by_id = {e.id: e for e in in_review}
        for row in ranking.rows:
            entry = by_id.get(row.entry_id) or session.get(Entry, row.entry_id)
            if rnd.finalist_share is None:
                continue
            (shortlist_entries if row.rank <= quota else rest_entries).append(entry)
        snapshot[category.key] = {
            "category": category.name, "method_requested": ranking.method_requested,
            "method_used": ranking.method_used, "alpha": _num(ranking.alpha),
            "quota": quota, "finalist_share": rnd.finalist_share,
            "tied_at_cutoff": summary.tied_at_cutoff, "warnings": list(ranking.warnings),
            "excluded": [{"reference": x.reference, "judge": x.judge_name, "reason": x.reason}
                         for x in ranking.excluded],
            "rows": rows_snapshot,
        }
        result.categories.append(summary)

    if rnd.finalist_share is not None:
        details = {"round": rnd.number}
        owner_ids = {e.owner_id for e in shortlist_entries + rest_entries if e.owner_id}
        if owner_ids:  # one query: the messages below find every owner in the session
            session.scalars(sa.select(User).where(User.id.in_(owner_ids))).all()
        if shortlist_entries:
            apply_many(shortlist_entries, "shortlist", actor=actor, now=now, details=details)
        if rest_entries:
            apply_many(rest_entries, "not_shortlist", actor=actor, now=now, details=details)
        for entry in shortlist_entries:
            notify(session, to=_to(entry), kind="entry_shortlisted", edition_id=edition.id,
                   entry_id=entry.id,
                   subject=f"{entry.label}: your entry is a finalist of {edition.name}",
                   body=(f"Congratulations. After {rnd.name}, your entry {entry.label} "
                         f"\u201c{entry.title}\u201d is one of the finalists of {edition.name} "
                         f"in {entry.category.name}. The final evaluation follows; we will write "
                         "again when the results are approved."))
        for entry in rest_entries:
            notify(session, to=_to(entry), kind="entry_not_shortlisted", edition_id=edition.id,
                   entry_id=entry.id,
                   subject=f"{entry.label}: result of {rnd.name}",
                   body=(f"Thank you for entering {edition.name}. After {rnd.name}, your entry "
                         f"{entry.label} \u201c{entry.title}\u201d was not selected as a finalist "
                         f"in {entry.category.name}. The committee may still name special "
                         "mentions among all evaluated entries."))
    _audit(session, edition, actor, "ranking_snapshot", now=now, subject_type="round",
           subject_id=rnd.id, details={"round": rnd.number, "categories": snapshot})
    session.flush()
    return result


def recorded_snapshot(session: Session, rnd: Round) -> dict | None:
    """The ranking recorded when the round was closed (what the shortlist was based on)."""
    event = session.scalar(
        sa.select(AuditEvent).where(AuditEvent.subject_type == "round",
                                    AuditEvent.subject_id == rnd.id,
                                    AuditEvent.event == "ranking_snapshot")
        .order_by(AuditEvent.id.desc()).limit(1))
    if event is None:
        return None
    return {"occurred_at": event.occurred_at, **(event.details or {})}


# ----- allocation ------------------------------------------------------------------------------
@dataclass
class AllocationResult:
    created: list[AwardDecision] = field(default_factory=list)
    vacancies: list[str] = field(default_factory=list)
    ties: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    @property
    def messages(self) -> list[str]:
        awarded = sum(1 for d in self.created if d.entry_id is not None)
        lines = [f"Proposed {awarded} awards and {len(self.vacancies)} vacant slots."]
        lines += [f"Vacant: {v}" for v in self.vacancies]
        lines += [f"Tie for the chair: {t}" for t in self.ties]
        lines += self.dropped + self.warnings
        return lines


def _check_deliberation(edition: Edition, doing: str) -> None:
    if edition.state != EditionState.DELIBERATION:
        raise ServiceError(f"{doing[0].upper()}{doing[1:]} is possible while the edition is in "
                           f"deliberation (it is {edition.state.value}).")


def _has_approved(session: Session, edition: Edition) -> bool:
    return bool(session.scalar(sa.select(sa.func.count()).where(
        AwardDecision.edition_id == edition.id, AwardDecision.approved_at.is_not(None))))


def final_round(edition: Edition) -> Round:
    if not edition.rounds:
        raise ServiceError(f"{edition.name} has no rounds.")
    return edition.rounds[-1]


def allocate_awards(session: Session, edition: Edition, *, actor: User,
                    now: datetime | None = None) -> AllocationResult:
    """Propose the awards of every ranked category from the final round's ranking.

    Per category, the tiers are filled in order with the best-ranked finalists whose
    applicant type the tier accepts; an entry gets at most one award; a slot with no
    suitable finalist is recorded as vacant with the reason; an unresolved tie that a tier
    boundary cuts through is flagged for the chair. Unapproved proposals (and overrides) of
    ranked categories are replaced; special mentions are kept unless their entry now
    receives a ranked award.
    """
    now = now or utcnow()
    _require_role(actor, Role.SECRETARIAT, Role.CHAIR, doing="propose the award allocation")
    if _has_approved(session, edition):
        raise ServiceError("The allocation is approved; change it only by recording a correction.")
    _check_deliberation(edition, "proposing the award allocation")
    rnd = final_round(edition)
    if rnd.state != RoundState.CLOSED:
        raise ServiceError(f"{rnd.name} is not closed yet.")
    result = AllocationResult()
    categories = list(edition.program.categories)
    ranked = ranked_categories(categories)
    ranked_ids = {c.id for c in ranked}
    existing = current_decisions(session, edition)
    overrides = [d for d in existing if d.category_id in ranked_ids and d.basis == "override"]
    if overrides:
        result.dropped.append(f"{len(overrides)} override{'s were' if len(overrides) > 1 else ' was'} "
                              "replaced by the new proposal.")
    for d in existing:
        if d.category_id in ranked_ids:
            session.delete(d)
    session.flush()
    mentions = {d.entry_id: d for d in existing if d.category_id not in ranked_ids and d.entry_id}

    for category in ranked:
        if not category.tiers:
            continue
        ranking = rank_round_category(session, rnd, category)
        result.warnings += [f"{category.name}: {w}" for w in ranking.warnings]
        candidates = [r for r in ranking.rows if r.state == EntryState.SHORTLISTED]
        group_of: dict[int, tuple] = {}
        for group in ranking.unresolved_groups:
            for row in group:
                group_of[row.entry_id] = group
        given: set[int] = set()
        for tier in category.tiers:
            accepted = set(tier.applicant_types)
            picks = []
            for slot in range(1, tier.slots + 1):
                pick = next((r for r in candidates
                             if r.entry_id not in given and r.applicant_type in accepted), None)
                if pick is None:
                    types = _type_words(edition, tier.applicant_types)
                    if any(r.applicant_type in accepted for r in candidates):
                        reason = (f"Every finalist of the accepted type ({types}) already "
                                  "holds an award.")
                    else:
                        reason = f"No finalist is of the accepted type ({types})."
                    decision = AwardDecision(edition_id=edition.id, category_id=category.id,
                                             tier_key=tier.key, slot=slot, entry_id=None,
                                             basis="ranking", vacancy_reason=reason,
                                             decided_by_id=actor.id, decided_at=now)
                    result.vacancies.append(f"{category.name} {tier.name} #{slot}: {reason}")
                else:
                    given.add(pick.entry_id)
                    picks.append(pick)
                    decision = AwardDecision(edition_id=edition.id, category_id=category.id,
                                             tier_key=tier.key, slot=slot, entry_id=pick.entry_id,
                                             basis="ranking", rank=pick.rank,
                                             decided_by_id=actor.id, decided_at=now)
                session.add(decision)
                result.created.append(decision)
            # a tie the tier boundary cuts through: tied entries of the accepted type left out
            pick_ids = {p.entry_id for p in picks}
            for decision in result.created[-tier.slots:]:
                if decision.entry_id is None or decision.entry_id not in group_of:
                    continue
                left_out = [r for r in group_of[decision.entry_id]
                            if r.entry_id not in pick_ids and r.entry_id not in given
                            and r.applicant_type in accepted and r.state == EntryState.SHORTLISTED]
                if left_out:
                    mine = next(r for r in group_of[decision.entry_id] if r.entry_id == decision.entry_id)
                    note = (f"Tied at rank {mine.rank} with "
                            + ", ".join(r.reference for r in left_out)
                            + " after every tie-break step; the chair decides who takes this slot.")
                    decision.reason = note
                    result.ties.append(f"{category.name} {tier.name} #{decision.slot} "
                                       f"({mine.reference}): {note}")
        for entry_id in given:
            if entry_id in mentions:
                mention = mentions.pop(entry_id)
                row = ranking.row_for(entry_id)
                result.dropped.append(
                    f"The special mention of {row.reference if row else entry_id} was removed: "
                    "the entry now receives a ranked award.")
                session.delete(mention)
    session.flush()
    _audit(session, edition, actor, "propose_allocation", now=now, details={
        "decisions": [{"category_id": d.category_id, "tier": d.tier_key, "slot": d.slot,
                       "entry_id": d.entry_id, "rank": d.rank, "vacancy_reason": d.vacancy_reason}
                      for d in result.created],
        "ties": result.ties,
    })
    session.flush()
    return result


# ----- candidates, special mentions, overrides --------------------------------------------------
def mention_category(edition: Edition) -> Category | None:
    """The category chosen by the committee rather than entered (Special Mention)."""
    return next((c for c in edition.program.categories if not c.entered), None)


def slot_candidates(session: Session, edition: Edition, category: Category,
                    tier: AwardTier, *, states: frozenset = AWARDABLE_STATES) -> list[Entry]:
    """Entries that may fill a slot of `tier`: of an accepted applicant type, in an
    awardable state, of this category (any category for Special Mentions)."""
    query = sa.select(Entry).where(Entry.edition_id == edition.id, Entry.state.in_(states),
                                   Entry.applicant_type.in_(list(tier.applicant_types)))
    if category.entered:
        query = query.where(Entry.category_id == category.id)
    return list(session.scalars(query.options(joinedload(Entry.category))
                                .order_by(Entry.category_id, Entry.reference)))


@dataclass(frozen=True)
class MentionPick:
    entry_id: int
    theme: str
    partner: str = ""


@dataclass(frozen=True)
class Recommendation:
    entry_id: int
    reference: str
    applicant_name: str
    judge_name: str
    theme: str


def mention_recommendations(session: Session, edition: Edition) -> list[Recommendation]:
    """The judges' special-mention recommendations (submitted reviews), in one query."""
    rows = session.execute(
        sa.select(Entry.id, Entry.reference, Entry.applicant_name, User.name,
                  Review.special_mention_theme)
        .join(Review, Review.entry_id == Entry.id)
        .join(User, User.id == Review.judge_id)
        .where(Entry.edition_id == edition.id, Review.special_mention_recommended.is_(True),
               Review.state == ReviewState.SUBMITTED)
        .order_by(Entry.reference, User.name)
    ).all()
    return [Recommendation(*row) for row in rows]


def select_special_mentions(session: Session, edition: Edition, picks: Sequence[MentionPick], *,
                            actor: User, now: datetime | None = None) -> list[AwardDecision]:
    """The committee's special mentions: up to the category's slots, each with a theme (and
    a partner); the remaining slots are recorded as vacant. Replaces earlier unapproved
    selections. Eligible: entries that passed screening, were evaluated and are neither
    withdrawn nor awarded (nor proposed for another award)."""
    now = now or utcnow()
    _require_role(actor, Role.SECRETARIAT, Role.CHAIR, doing="choose special mentions")
    if _has_approved(session, edition):
        raise ServiceError("The allocation is approved; change it only by recording a correction.")
    _check_deliberation(edition, "choosing special mentions")
    category = mention_category(edition)
    if category is None or not category.tiers:
        raise ServiceError(f"{edition.program.name} has no special-mention category.")
    slots = [(tier, n) for tier in category.tiers for n in range(1, tier.slots + 1)]
    picks = list(picks)
    if len(picks) > len(slots):
        raise ServiceError(f"At most {len(slots)} special mentions can be named.", field="mentions")
    seen: set[int] = set()
    current = current_decisions(session, edition)
    held = {d.entry_id: d for d in current if d.entry_id and d.category_id != category.id}
    entries = {}
    for n, pick in enumerate(picks, start=1):
        entry = session.get(Entry, pick.entry_id)
        if entry is None or entry.edition_id != edition.id:
            raise ServiceError(f"Mention {n}: no such entry in {edition.name}.", field="mentions")
        if entry.id in seen:
            raise ServiceError(f"Mention {n}: {entry.label} is named twice.", field="mentions")
        seen.add(entry.id)
        tier = slots[n - 1][0]
        if entry.state not in AWARDABLE_STATES:
            raise ServiceError(f"Mention {n}: {entry.label} is {entry.state.value.replace('_', ' ')}; "
                               "only evaluated entries still in the running can be named.",
                               field="mentions")
        if entry.applicant_type not in tier.applicant_types:
            raise ServiceError(f"Mention {n}: {tier.name} does not accept a "
                               f"{_type_words(edition, [entry.applicant_type])}.", field="mentions")
        if entry.id in held:
            raise ServiceError(f"Mention {n}: {entry.label} already receives an award; an entry "
                               "gets at most one.", field="mentions")
        if not pick.theme.strip():
            raise ServiceError(f"Mention {n}: give the theme of the mention for {entry.label}.",
                               field="mentions")
        entries[n] = entry
    for d in current:
        if d.category_id == category.id:
            session.delete(d)
    session.flush()
    created = []
    for n, (tier, slot) in enumerate(slots, start=1):
        if n <= len(picks):
            pick = picks[n - 1]
            decision = AwardDecision(edition_id=edition.id, category_id=category.id,
                                     tier_key=tier.key, slot=slot, entry_id=entries[n].id,
                                     basis="selection", theme=pick.theme.strip()[:200],
                                     partner=pick.partner.strip()[:200], decided_by_id=actor.id,
                                     decided_at=now)
        else:
            decision = AwardDecision(
                edition_id=edition.id, category_id=category.id, tier_key=tier.key, slot=slot,
                entry_id=None, basis="selection", decided_by_id=actor.id, decided_at=now,
                vacancy_reason=(f"The committee named {len(picks)} special mention"
                                f"{'' if len(picks) == 1 else 's'}."))
        session.add(decision)
        created.append(decision)
    session.flush()
    _audit(session, edition, actor, "select_special_mentions", now=now, details={
        "mentions": [{"entry_id": entries[n].id, "theme": p.theme, "partner": p.partner}
                     for n, p in enumerate(picks, start=1)]})
    session.flush()
    return created


def _check_replacement(session: Session, decision: AwardDecision, entry: Entry | None,
                       states: frozenset) -> None:
    if entry is None:
        return
    category = decision.category
    tier = _tier(category, decision.tier_key)
    if entry.edition_id != decision.edition_id:
        raise ServiceError("That entry is not part of this edition.", field="entry")
    if category.entered and entry.category_id != category.id:
        raise ServiceError(f"{entry.label} did not enter {category.name}.", field="entry")
    if entry.applicant_type not in tier.applicant_types:
        raise ServiceError(f"{tier.name} accepts only a "
                           f"{_type_words(entry.edition, tier.applicant_types)}; {entry.label} is a "
                           f"{_type_words(entry.edition, [entry.applicant_type])}.", field="entry")
    other = award_for_entry(session, entry)
    if other is not None and other.id != decision.id:
        raise ServiceError(f"{entry.label} already holds another decision "
                           f"({other.category.name}, {_tier(other.category, other.tier_key).name}); "
                           "an entry gets at most one award.", field="entry")
    if entry.state not in states:
        raise ServiceError(f"{entry.label} is {entry.state.value.replace('_', ' ')}; it cannot "
                           "receive this award.", field="entry")


def _rank_in_final(session: Session, edition: Edition, category: Category, entry: Entry | None
                   ) -> int | None:
    if entry is None or not category.entered:
        return None
    rnd = final_round(edition)
    row = rank_round_category(session, rnd, category).row_for(entry.id)
    return row.rank if row else None


def _check_new_holder(session: Session, decision: AwardDecision, entry: Entry | None,
                      theme: str, states) -> None:
    """What an override and a correction both require of the slot's new holder."""
    if entry is not None and entry.id == decision.entry_id:
        raise ServiceError(f"{entry.label} already holds this slot.", field="entry")
    if entry is None and decision.entry_id is None:
        raise ServiceError("This slot is already vacant.", field="entry")
    _check_replacement(session, decision, entry, states)
    if not decision.category.entered and entry is not None and not theme.strip():
        raise ServiceError("Give the theme of the special mention.", field="theme")


def override_slot(session: Session, decision: AwardDecision, *, entry: Entry | None, reason: str,
                  actor: User, theme: str = "", partner: str = "",
                  now: datetime | None = None) -> AwardDecision:
    """The chair changes a proposed slot (another entry, or vacant) with a written reason.
    Before approval the override row replaces the proposal; the audit trail keeps both."""
    now = now or utcnow()
    edition = _edition_of(session, decision)
    _require_role(actor, Role.CHAIR, doing="override an award decision")
    if decision.approved_at is not None:
        raise ServiceError("This decision is approved; record a correction instead.")
    _check_deliberation(edition, "overriding a proposed award")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Write the reason for the override; it is recorded.", field="reason")
    if not is_current(session, decision):
        raise ServiceError("This decision has been replaced; reload the page.")
    if not decision.category.entered and entry is not None and not theme.strip():
        theme = decision.theme  # an override keeps the mention's theme unless given anew
    _check_new_holder(session, decision, entry, theme, AWARDABLE_STATES)
    category = decision.category
    old = {"entry_id": decision.entry_id, "basis": decision.basis, "rank": decision.rank}
    new = AwardDecision(
        edition_id=decision.edition_id, category_id=decision.category_id,
        tier_key=decision.tier_key, slot=decision.slot, entry_id=entry.id if entry else None,
        basis="override", rank=_rank_in_final(session, edition, category, entry),
        theme=(theme or "").strip()[:200], partner=(partner or "").strip()[:200], reason=reason,
        vacancy_reason=reason if entry is None else "", decided_by_id=actor.id, decided_at=now)
    session.delete(decision)
    session.flush()
    session.add(new)
    session.flush()
    _audit(session, edition, actor, "override_award", reason=reason, now=now, details={
        "category_id": new.category_id, "tier": new.tier_key, "slot": new.slot,
        "from": old, "to_entry_id": new.entry_id, "decision_id": new.id})
    session.flush()
    return new


def _edition_of(session: Session, decision: AwardDecision) -> Edition:
    edition = session.get(Edition, decision.edition_id)
    if edition is None:  # pragma: no cover
        raise ServiceError("No such edition.")
    return edition


# ----- approval, corrections, publication -------------------------------------------------------
def approve_allocation(session: Session, edition: Edition, *, actor: User, reason: str | None = None,
                       now: datetime | None = None) -> list[AwardDecision]:
    """The chair approves the winners: the edition's `approve` event (every slot decided),
    every current decision marked approved, `award` on each awarded entry and `not_award` on
    the other finalists, all in one transaction."""
    now = now or utcnow()
    apply(edition, "approve", actor=actor, reason=reason, now=now)
    current = current_decisions(session, edition)
    seen: dict[int, AwardDecision] = {}
    for d in current:
        if d.entry_id is None:
            continue
        if d.entry_id in seen:
            label = session.get(Entry, d.entry_id).label
            raise ServiceError(f"{label} holds two awards; an entry gets at most one. "
                               "Override one of the slots first.")
        seen[d.entry_id] = d
    for d in current:
        if d.approved_at is None:
            d.approved_at = now
            d.approved_by_id = actor.id
    session.flush()
    awarded = [d.entry for d in current if d.entry is not None]
    if awarded:
        apply_many(awarded, "award", actor=actor, now=now, details={"edition": edition.year})
    others = session.scalars(
        sa.select(Entry).where(Entry.edition_id == edition.id,
                               Entry.state == EntryState.SHORTLISTED).order_by(Entry.id)).all()
    if others:
        apply_many(others, "not_award", actor=actor, now=now, details={"edition": edition.year})
    session.flush()
    return current


def correct_decision(session: Session, decision: AwardDecision, *, entry: Entry | None, reason: str,
                     actor: User, theme: str = "", partner: str = "",
                     now: datetime | None = None) -> AwardDecision:
    """A correction after approval: a new decision (basis "correction", with its reason)
    supersedes the old one, which stays as it was. The old entry's award is revoked and the
    new entry is awarded, through the workflow engine."""
    now = now or utcnow()
    edition = _edition_of(session, decision)
    _require_role(actor, Role.CHAIR, doing="correct an approved award decision")
    if edition.state not in {EditionState.APPROVED, EditionState.PUBLISHED}:
        raise ServiceError("Corrections are recorded after the approval (before it, override "
                           f"the proposal); the edition is {edition.state.value}.")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Write the reason for the correction; it is recorded.", field="reason")
    if decision.approved_at is None:
        raise ServiceError("This decision is not approved; override it instead.")
    if not is_current(session, decision):
        raise ServiceError("This decision has already been corrected; correct the newer one.")
    _check_new_holder(session, decision, entry, theme, CORRECTABLE_STATES)
    category = decision.category
    old_entry = decision.entry
    new = AwardDecision(
        edition_id=decision.edition_id, category_id=decision.category_id,
        tier_key=decision.tier_key, slot=decision.slot, entry_id=entry.id if entry else None,
        basis="correction", rank=_rank_in_final(session, edition, category, entry),
        theme=(theme or "").strip()[:200], partner=(partner or "").strip()[:200], reason=reason,
        vacancy_reason=reason if entry is None else "", decided_by_id=actor.id, decided_at=now,
        approved_at=now, approved_by_id=actor.id, supersedes_id=decision.id)
    session.add(new)
    session.flush()
    if old_entry is not None:
        apply(old_entry, "revoke_award", actor=actor, reason=reason, now=now,
              details={"decision_id": new.id})
        from judging.services.certificates import revoke_for_entry  # certificates (issue #7)

        revoke_for_entry(session, old_entry, reason, actor, now=now)
    if entry is not None:
        apply(entry, "award", actor=actor, reason=reason, now=now, details={"decision_id": new.id})
    _audit(session, edition, actor, "correct_award", reason=reason, now=now, details={
        "supersedes_id": decision.id, "decision_id": new.id,
        "from_entry_id": decision.entry_id, "to_entry_id": new.entry_id})
    if edition.state == EditionState.PUBLISHED:
        tier = _tier(category, decision.tier_key)
        if old_entry is not None:
            notify(session, to=_to(old_entry), kind="award_corrected", edition_id=edition.id,
                   entry_id=old_entry.id,
                   subject=f"{old_entry.label}: correction of the results of {edition.name}",
                   body=(f"The committee has corrected the results of {edition.name}: the "
                         f"{tier.name} ({category.name}) previously announced for your entry "
                         f"{old_entry.label} has been withdrawn. Reason: {reason}"))
        if entry is not None:
            notify(session, to=_to(entry), kind="award_corrected", edition_id=edition.id,
                   entry_id=entry.id,
                   subject=f"{entry.label}: your entry receives an award of {edition.name}",
                   body=(f"After a correction of the results, your entry {entry.label} "
                         f"\u201c{entry.title}\u201d receives the {tier.name} "
                         f"({category.name}) of {edition.name}. Reason: {reason}"))
    session.flush()
    return new


def publish_results(session: Session, edition: Edition, *, actor: User, reason: str | None = None,
                    now: datetime | None = None) -> int:
    """Publish: the edition's `publish` event, its publication time, and a message to every
    applicant with a decision (awarded, finalist not awarded, not shortlisted). Returns the
    number of messages written."""
    now = now or utcnow()
    apply(edition, "publish", actor=actor, reason=reason, now=now)
    edition.published_at = now
    awards = {d.entry_id: d for d in current_decisions(session, edition) if d.entry_id}
    entries = session.scalars(
        sa.select(Entry).options(joinedload(Entry.owner), joinedload(Entry.category))
        .where(Entry.edition_id == edition.id,
               Entry.state.in_(list(AWARDED_STATES | {EntryState.NOT_AWARDED,
                                                      EntryState.NOT_SHORTLISTED})))
        .order_by(Entry.id)).all()
    sent = 0
    for entry in entries:
        if entry.state in AWARDED_STATES and entry.id in awards:
            d = awards[entry.id]
            tier = _tier(d.category, d.tier_key)
            what = tier.name + (f" ({d.theme})" if d.theme else "")
            if d.category.entered:
                what += f" in {d.category.name}"
            subject = f"{entry.label}: your entry receives the {what}"
            body = (f"Congratulations. The committee of {edition.name} has approved the results: "
                    f"your entry {entry.label} \u201c{entry.title}\u201d receives the {what}. "
                    "The results are now public.")
            kind = "result_awarded"
        elif entry.state == EntryState.NOT_AWARDED:
            subject = f"{entry.label}: results of {edition.name}"
            body = (f"The results of {edition.name} are now public. Your entry {entry.label} "
                    f"\u201c{entry.title}\u201d was a finalist in {entry.category.name} but did not "
                    "receive an award. Finalists are invited to the training programme.")
            kind = "result_finalist"
        elif entry.state == EntryState.NOT_SHORTLISTED:
            subject = f"{entry.label}: results of {edition.name}"
            body = (f"The results of {edition.name} are now public. Your entry {entry.label} "
                    f"\u201c{entry.title}\u201d was not shortlisted. Thank you for taking part.")
            kind = "result_not_shortlisted"
        else:
            continue
        notify(session, to=_to(entry), kind=kind, edition_id=edition.id, entry_id=entry.id,
               subject=subject, body=body)
        sent += 1
    session.flush()
    return sent


# ----- the allocation as pages show it ----------------------------------------------------------
@dataclass
class SlotView:
    tier: AwardTier
    slot: int
    decision: AwardDecision | None

    @property
    def entry(self) -> Entry | None:
        return self.decision.entry if self.decision is not None else None

    @property
    def decided(self) -> bool:
        return self.decision is not None


@dataclass
class CategoryAllocation:
    category: Category
    slots: list[SlotView]

    @property
    def undecided(self) -> int:
        return sum(1 for s in self.slots if not s.decided)


def allocation_overview(session: Session, edition: Edition) -> list[CategoryAllocation]:
    """Every award slot of the edition, category by category, with its current decision."""
    current = {(d.category_id, d.tier_key, d.slot): d for d in current_decisions(session, edition)}
    overview = []
    for category in edition.program.categories:
        slots = [SlotView(tier, n, current.get((category.id, tier.key, n)))
                 for tier in category.tiers for n in range(1, tier.slots + 1)]
        if slots:
            overview.append(CategoryAllocation(category, slots))
    return overview


def superseded_count(session: Session, edition: Edition) -> int:
    return session.scalar(sa.select(sa.func.count()).where(
        AwardDecision.edition_id == edition.id, AwardDecision.supersedes_id.is_not(None))) or 0


# ----- public results ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PublicWinner:
    tier_name: str
    slot: int
    vacant: bool
    name: str = ""
    name_local: str = ""
    title: str = ""
    city: str = ""
    city_local: str = ""
    country: str = ""
    theme: str = ""
    partner: str = ""
    corrected: bool = False


@dataclass(frozen=True)
class PublicCategory:
    name: str
    description: str
    winners: tuple[PublicWinner, ...]


def published_editions(session: Session) -> list[Edition]:
    return list(session.scalars(sa.select(Edition).where(Edition.state.in_(list(PUBLIC_STATES)))
                                .order_by(Edition.year.desc())))


def published_results(session: Session, edition: Edition) -> list[PublicCategory]:
    """Winners by category and tier (vacancies included), for a published edition only."""
    if edition.state not in PUBLIC_STATES:
        raise ServiceError(f"The results of {edition.name} are not published.")
    current = {(d.category_id, d.tier_key, d.slot): d for d in current_decisions(session, edition)}
    spec = edition.program.spec
    out = []
    for category in edition.program.categories:
        winners = []
        for tier in category.tiers:
            for n in range(1, tier.slots + 1):
                d = current.get((category.id, tier.key, n))
                if d is None or d.entry is None:
                    winners.append(PublicWinner(tier.name, n, True))
                    continue
                e = d.entry
                winners.append(PublicWinner(
                    tier.name, n, False, name=e.applicant_name, name_local=e.applicant_name_local,
                    title=e.title, city=e.city, city_local=e.city_local, country=e.country,
                    theme=d.theme, partner=d.partner, corrected=d.basis == "correction"))
        if winners:
            description = spec.category(category.key).description
            out.append(PublicCategory(category.name, description, tuple(winners)))
    return out
