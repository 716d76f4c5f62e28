"""The prize program as data: frozen dataclasses produced by the loader.

A program file (TOML) describes one prize: its applicant types, categories, award
tiers, criteria, entry forms, rounds, tie-break cascade, conflict rules and
certificate signatories. Nothing in the application is hard-coded to one prize;
everything it needs to know about the prize comes from these objects.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ApplicantType:
    key: str  # e.g. "city_government"
    label: str  # e.g. "City government"
    description: str = ""


@dataclass(frozen=True)
class Level:
    """A described band of the scale, e.g. 9-10 "Outstanding"."""

    min_score: int
    max_score: int
    label: str
    description: str = ""


@dataclass(frozen=True)
class Criterion:
    key: str  # e.g. "problem_recognition"
    name: str
    description: str
    weight: float  # relative weight; the loader normalises nothing, weights need not sum to 1
    scale_min: int
    scale_max: int
    levels: tuple[Level, ...] = ()


@dataclass(frozen=True)
class AwardTier:
    key: str  # e.g. "gold"
    name: str  # e.g. "Gold"
    slots: int
    applicant_types: tuple[str, ...]  # keys of ApplicantType accepted in this tier


@dataclass(frozen=True)
class FormField:
    key: str
    label: str
    kind: str = "textarea"  # one of: text, textarea, url, number, select, email
    required: bool = True
    word_limit: int | None = None  # enforced on the server for text/textarea
    help: str = ""
    choices: tuple[str, ...] = ()  # for kind == "select"


@dataclass(frozen=True)
class FormSection:
    key: str
    title: str
    help: str = ""
    fields: tuple[FormField, ...] = ()


@dataclass(frozen=True)
class EntryForm:
    key: str  # e.g. "project_city"
    title: str
    categories: tuple[str, ...]  # category keys this form serves
    applicant_types: tuple[str, ...]  # applicant type keys this form serves
    sections: tuple[FormSection, ...]
    required_attachments: int = 0  # minimum number of attachments at submission

    @property
    def fields(self) -> tuple[FormField, ...]:
        return tuple(f for s in self.sections for f in s.fields)


@dataclass(frozen=True)
class Category:
    key: str  # e.g. "human_centricity"
    code: str  # short code used in references, e.g. "HC"
    name: str  # e.g. "Human-CentriCity"
    description: str
    entered: bool  # False: not entered by applicants, chosen by the committee (Special Mention)
    applicant_types: tuple[str, ...]  # who may enter (or be chosen, for entered=False)
    tiers: tuple[AwardTier, ...]
    criteria: tuple[Criterion, ...]  # empty for entered=False categories
    main_criterion: str | None = None  # criterion key used by the tie-break cascade

    @property
    def award_slots(self) -> int:
        return sum(t.slots for t in self.tiers)

    def criterion(self, key: str) -> Criterion:
        for c in self.criteria:
            if c.key == key:
                return c
        raise KeyError(key)


@dataclass(frozen=True)
class RoundSpec:
    number: int  # 1, 2, ...
    name: str  # e.g. "Round 1: online evaluation"
    judges_per_entry: int
    finalist_share: float | None  # share of entries shortlisted when the round closes (None: last round)


@dataclass(frozen=True)
class ConflictRules:
    same_city: bool = True
    same_country: bool = True
    same_organisation: bool = True


@dataclass(frozen=True)
class Signatory:
    name: str
    title: str


@dataclass(frozen=True)
class Program:
    key: str  # e.g. "seoul-smart-city-prize"
    name: str  # e.g. "Seoul Smart City Prize"
    short_code: str  # reference prefix, e.g. "SSCP"
    organiser: str
    time_zone: str  # IANA name, e.g. "Asia/Seoul"
    applicant_types: tuple[ApplicantType, ...]
    categories: tuple[Category, ...]
    forms: tuple[EntryForm, ...]
    rounds: tuple[RoundSpec, ...]
    tie_break: tuple[str, ...]  # steps, from: score, raw_mean, count_back, main_criterion
    conflict_rules: ConflictRules = field(default_factory=ConflictRules)
    signatories: tuple[Signatory, ...] = ()
    ranking_method: str = "calibrated"  # raw | z | calibrated
    description: str = ""
    source: str = ""  # where it was loaded from (file path), for messages

    def category(self, key: str) -> Category:
        for c in self.categories:
            if c.key == key:
                return c
        raise KeyError(key)

    def applicant_type(self, key: str) -> ApplicantType:
        for t in self.applicant_types:
            if t.key == key:
                return t
        raise KeyError(key)

    def form_for(self, category_key: str, applicant_type_key: str) -> EntryForm:
        for f in self.forms:
            if category_key in f.categories and applicant_type_key in f.applicant_types:
                return f
        raise KeyError((category_key, applicant_type_key))

    def categories_open_to(self, applicant_type_key: str) -> tuple[Category, ...]:
        """Categories an applicant of this type may enter (entered categories only)."""
        return tuple(
            c for c in self.categories if c.entered and applicant_type_key in c.applicant_types
        )
