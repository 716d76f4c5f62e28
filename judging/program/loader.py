"""Load a prize program from TOML, validate it, and (de)serialise it for storage.

One TOML file describes one whole prize. The layout, top to bottom:

    key, name, short_code, organiser, description, time_zone, ranking_method, tie_break
    [conflict_rules]                        same_city, same_country, same_organisation
    [[signatories]]                         name, title
    [[applicant_types]]                     key, label, description
    [level_sets.NAME]                       reusable level bands:
    [[level_sets.NAME.levels]]                min_score, max_score, label, description
    [criteria_sets.NAME]                    reusable criteria, with defaults for them all:
                                              weight, scale_min, scale_max, level_set
    [[criteria_sets.NAME.criteria]]           key, name, description, weight, scale_min,
                                              scale_max, levels | level_set (+ level_descriptions)
    [sections.NAME]                         reusable form section: title, help
    [[sections.NAME.fields]]                  key, label, kind, required, word_limit, help, choices
    [[categories]]                          key, code, name, description, entered,
                                            applicant_types, criteria_set, main_criterion
    [[categories.tiers]]                      key, name, slots, applicant_types
    [[categories.criteria]]                   as in a criteria set (instead of criteria_set)
    [[categories.criteria.levels]]              min_score, max_score, label, description
    [[forms]]                               key, title, categories, applicant_types,
                                            required_attachments,
                                            sections = ["NAME", ...] (shared sections) or
    [[forms.sections]]                        key, title, help (an inline section), or use = "NAME"
    [[forms.sections.fields]]                   key, label, kind, required, word_limit, ...
    [[rounds]]                              number, name, judges_per_entry, finalist_share

Defaults: ranking_method "calibrated", description "", entered true, a tier's applicant_types
are its category's, required_attachments 0, a field's kind "textarea" and required true,
conflict rules all true. A criterion in a criteria set takes weight, scale and level_set from
the set unless it gives its own; level_descriptions give a level set's bands criterion-specific
descriptions, one per level, in order.

The loader collects every problem it finds and raises one ProgramError listing them all, each
with its place ("FILE:categories[2].tiers[0].slots") and a message a secretariat can act on.
"""
from __future__ import annotations

import difflib
import functools
import math
import re
import tomllib
import types
import typing
import zoneinfo
from dataclasses import MISSING, dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from judging.program.schema import (
    ApplicantType,
    AwardTier,
    Category,
    ConflictRules,
    Criterion,
    EntryForm,
    FormField,
    FormSection,
    Level,
    Program,
    RoundSpec,
    Signatory,
)

__all__ = [
    "FIELD_KINDS",
    "RANKING_METHODS",
    "TIE_BREAK_STEPS",
    "ProgramError",
    "ProgramProblem",
    "load_program",
    "load_program_text",
    "program_from_dict",
    "program_to_dict",
    "seoul_program_path",
]

TIE_BREAK_STEPS = ("score", "raw_mean", "count_back", "main_criterion")
RANKING_METHODS = ("raw", "z", "calibrated")
FIELD_KINDS = ("text", "textarea", "url", "number", "select", "email")
WORD_LIMIT_KINDS = ("text", "textarea")

SEOUL_PROGRAM_FILE = "seoul_smart_city_prize.toml"

_CODE_RE = re.compile(r"[A-Z0-9]{1,8}\Z")
_KEY_RE = re.compile(r"[a-z][a-z0-9_]*\Z")
_PROGRAM_KEY_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+\Z")
_TOML_POSITION_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*\Z")
_TOML_END_RE = re.compile(r"\s*\(at end of document\)\s*\Z")

_CODE_MESSAGE = "Use 1-8 uppercase letters or digits."
_KEY_MESSAGE = "Use lowercase letters, digits and underscores, starting with a letter."
_MISSING_MESSAGE = "Required key is missing."


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class ProgramProblem:
    """One problem in a program file: where it is ("FILE:key.path") and what is wrong."""

    place: str
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


class ProgramError(Exception):
    """A program file could not be loaded; `.problems` lists every problem found."""

    def __init__(self, problems: Iterable[ProgramProblem]):
        self.problems: list[ProgramProblem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    def __reduce__(self):
        return (type(self), (self.problems,))


class _Problems:
    """Collects problems in the order found, dropping exact repeats."""

    def __init__(self, label: str):
        self.label = label
        self.items: list[ProgramProblem] = []
        self._seen: set[ProgramProblem] = set()

    def add(self, path: str, message: str) -> None:
        place = f"{self.label}:{path}" if path else self.label
        problem = ProgramProblem(place, message)
        if problem not in self._seen:
            self._seen.add(problem)
            self.items.append(problem)


# --------------------------------------------------------------------------- typed reading


def _join(path: str, key: str) -> str:
    part = key if _BARE_KEY_RE.match(key) else '"' + key.replace('"', '\\"') + '"'
    return f"{path}.{part}" if path else part


def _header(path: str) -> str:
    """The TOML header that defines an array of tables at `path`: categories[0].tiers -> ..."""
    return re.sub(r"\[\d+\]", "", path)


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return "an array of tables"
        return "an array"
    return "a date or time"


def _quoted_list(items: Iterable[str]) -> str:
    return ", ".join(items)


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.75)
    return f' (did you mean "{close[0]}"?)' if close else ""


class _Table:
    """A TOML table being read: typed getters that report problems and return None."""

    def __init__(self, problems: _Problems, data: dict[str, Any], path: str, allowed: Iterable[str]):
        self.problems = problems
        self.data = data
        self.path = path
        allowed = tuple(allowed)
        for key in data:
            if key not in allowed:
                problems.add(self.at(key), f'Unknown key "{key}"{_suggest(key, allowed)}.')

    def at(self, key: str) -> str:
        return _join(self.path, key)

    def has(self, key: str) -> bool:
        return key in self.data

    def _value(self, key: str, required: bool) -> Any:
        if key not in self.data:
            if required:
                self.problems.add(self.at(key), _MISSING_MESSAGE)
            return None
        return self.data[key]

    def _wrong(self, path: str, expected: str, value: Any) -> None:
        self.problems.add(path, f"Expected {expected}, got {_describe(value)}.")

    def string(self, key: str, *, required: bool = False, default: str | None = None) -> str | None:
        value = self._value(key, required)
        if value is None:
            return default
        if not isinstance(value, str):
            self._wrong(self.at(key), "a string", value)
            return None
        if required and not value.strip():
            self.problems.add(self.at(key), "Must not be empty.")
            return None
        return value

    def key(self, key: str = "key", *, pattern: re.Pattern[str] = _KEY_RE,
            message: str = _KEY_MESSAGE) -> str | None:
        value = self.string(key, required=True)
        if value is not None and not pattern.match(value):
            self.problems.add(self.at(key), message)
            return None
        return value

    def integer(self, key: str, *, required: bool = False, default: int | None = None,
                minimum: int | None = None, minimum_message: str | None = None) -> int | None:
        value = self._value(key, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong(self.at(key), "an integer", value)
            return None
        if minimum is not None and value < minimum:
            self.problems.add(self.at(key), minimum_message or f"Must be at least {minimum}.")
            return None
        return value

    def number(self, key: str, *, required: bool = False) -> float | None:
        value = self._value(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self._wrong(self.at(key), "a number", value)
            return None
        if not math.isfinite(value):
            self.problems.add(self.at(key), "Expected a finite number.")
            return None
        return float(value)

    def boolean(self, key: str, *, default: bool) -> bool | None:
        value = self._value(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            self._wrong(self.at(key), "true or false", value)
            return None
        return value

    def str_list(self, key: str, *, required: bool = False,
                 nonempty_message: str | None = None) -> list[str] | None:
        """A list of strings. With nonempty_message, an empty list is a problem."""
        value = self._value(key, required)
        if value is None:
            return None
        path = self.at(key)
        if not isinstance(value, list):
            self._wrong(path, "an array of strings", value)
            return None
        ok = True
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self._wrong(f"{path}[{i}]", "a string", item)
                ok = False
        if not ok:
            return None
        if nonempty_message and not value:
            self.problems.add(path, nonempty_message)
            return None
        return list(value)

    def table(self, key: str, allowed: Iterable[str], *, required: bool = False) -> _Table | None:
        value = self._value(key, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            self._wrong(self.at(key), f"a table ([{_header(self.at(key))}])", value)
            return None
        return _Table(self.problems, value, self.at(key), allowed)

    def raw_list(self, key: str, *, required: bool = False,
                 nonempty_message: str | None = None) -> list[tuple[Any, str]] | None:
        """An array: (item, item path) pairs, items not type-checked."""
        value = self._value(key, required)
        if value is None:
            return None
        path = self.at(key)
        if not isinstance(value, list):
            self._wrong(path, f"an array of tables ([[{_header(path)}]])", value)
            return None
        if nonempty_message and not value:
            self.problems.add(path, nonempty_message)
            return None
        return [(item, f"{path}[{i}]") for i, item in enumerate(value)]

    def tables(self, key: str, allowed: Iterable[str], *, required: bool = False,
               nonempty_message: str | None = None) -> list[_Table] | None:
        """An array of tables ([[key]]); items that are not tables are reported and skipped."""
        items = self.raw_list(key, required=required, nonempty_message=nonempty_message)
        if items is None:
            return None
        allowed = tuple(allowed)
        result = []
        for item, path in items:
            if isinstance(item, dict):
                result.append(_Table(self.problems, item, path, allowed))
            else:
                self._wrong(path, "a table", item)
        return result

    def named_tables(self, key: str, allowed: Iterable[str]) -> list[tuple[str, _Table]]:
        """A table of named tables ([key.NAME]); names must be valid keys."""
        if key not in self.data:
            return []
        container = self.data[key]
        if not isinstance(container, dict):
            self._wrong(self.at(key), f"a table ([{_header(self.at(key))}.NAME])", container)
            return []
        allowed = tuple(allowed)
        result = []
        for name, value in container.items():
            path = _join(self.at(key), name)
            if not _KEY_RE.match(name):
                self.problems.add(path, _KEY_MESSAGE)
                continue
            if not isinstance(value, dict):
                self._wrong(path, f"a table ([{_header(path)}])", value)
                continue
            result.append((name, _Table(self.problems, value, path, allowed)))
        return result


# --------------------------------------------------------------------------- the builder

_ROOT_KEYS = (
    "key", "name", "short_code", "organiser", "description", "time_zone", "ranking_method",
    "tie_break", "conflict_rules", "signatories", "applicant_types", "level_sets",
    "criteria_sets", "sections", "categories", "forms", "rounds",
)
_LEVEL_KEYS = ("min_score", "max_score", "label", "description")
_CRITERION_KEYS = (
    "key", "name", "description", "weight", "scale_min", "scale_max", "levels", "level_set",
    "level_descriptions",
)
_CRITERIA_SET_KEYS = ("description", "weight", "scale_min", "scale_max", "level_set", "criteria")
_SECTION_KEYS = ("key", "title", "help", "fields", "use")
_SHARED_SECTION_KEYS = ("title", "help", "fields")
_FIELD_KEYS = ("key", "label", "kind", "required", "word_limit", "help", "choices")
_CATEGORY_KEYS = (
    "key", "code", "name", "description", "entered", "applicant_types", "tiers", "criteria",
    "criteria_set", "main_criterion",
)
_TIER_KEYS = ("key", "name", "slots", "applicant_types")
_FORM_KEYS = ("key", "title", "categories", "applicant_types", "required_attachments", "sections")
_ROUND_KEYS = ("number", "name", "judges_per_entry", "finalist_share")


@dataclass
class _Setting:
    """A criterion setting that may come from the criterion or from its criteria set."""

    present: bool = False
    value: Any = None
    path: str = ""


@dataclass
class _Section:
    section: FormSection
    field_paths: list[str]  # where each field is defined, for messages
    shared: bool


def _unique(problems: _Problems, seen: dict[str, str], key: str | None, path: str, what: str) -> None:
    """Record `key` (defined at `path`) in `seen`, reporting it if it is already there."""
    if key is None:
        return
    if key in seen:
        problems.add(path, f'Duplicate {what} "{key}" (also at {seen[key]}).')
    else:
        seen[key] = path


@functools.lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _scores(values: list[int]) -> str:
    if len(values) == 1:
        return f"score {values[0]}"
    return "scores " + ", ".join(str(v) for v in values)


class _Builder:
    def __init__(self, problems: _Problems, data: dict[str, Any], source: str):
        self.p = problems
        self.root = _Table(problems, data, "", _ROOT_KEYS)
        self.source = source
        self.type_keys: set[str] = set()
        # level set name -> its levels with where each is defined (None: unreadable)
        self.level_sets: dict[str, list[tuple[Level, str]] | None] = {}
        self.criteria_sets: dict[str, tuple[Criterion, ...] | None] = {}
        self.shared_sections: dict[str, _Section] = {}
        self.tie_break: list[str] | None = None
        self.unreadable_type_lists: set[str] = set()  # categories whose applicant_types are broken

    # -- program ------------------------------------------------------------------------

    def build(self) -> Program:
        root = self.root
        key = root.key("key", pattern=_PROGRAM_KEY_RE,
                       message="Use lowercase letters, digits and hyphens.")
        name = root.string("name", required=True)
        short_code = root.key("short_code", pattern=_CODE_RE, message=_CODE_MESSAGE)
        organiser = root.string("organiser", required=True)
        description = root.string("description", default="")
        time_zone = self._time_zone()
        ranking_method = root.string("ranking_method", default="calibrated")
        if ranking_method is not None and ranking_method not in RANKING_METHODS:
            root.problems.add(
                root.at("ranking_method"),
                f'Unknown ranking method "{ranking_method}" (use {_quoted_list(RANKING_METHODS)}).',
            )
        self.tie_break = self._tie_break()
        conflict_rules = self._conflict_rules()
        signatories = self._signatories()
        applicant_types = self._applicant_types()
        self._level_sets()
        self._criteria_sets()
        self._shared_sections()
        categories = self._categories()
        forms = self._forms(categories)
        rounds = self._rounds()
        return Program(
            key=key,
            name=name,
            short_code=short_code,
            organiser=organiser,
            time_zone=time_zone,
            applicant_types=tuple(applicant_types),
            categories=tuple(c for c, _ in categories),
            forms=tuple(forms),
            rounds=tuple(rounds),
            tie_break=tuple(self.tie_break or ()),
            conflict_rules=conflict_rules,
            signatories=tuple(signatories),
            ranking_method=ranking_method,
            description=description,
            source=self.source,
        )

    def _time_zone(self) -> str | None:
        value = self.root.string("time_zone", required=True)
        if value is None:
            return None
        zones = _time_zones()
        if value not in zones:
            hint = _suggest(value, zones) or ' (use an IANA name such as "Asia/Seoul")'
            self.p.add(self.root.at("time_zone"), f'Unknown time zone "{value}"{hint}.')
            return None
        return value

    def _tie_break(self) -> list[str] | None:
        root = self.root
        steps = root.str_list("tie_break", required=True,
                              nonempty_message='Give at least one step, starting with "score".')
        if steps is None:
            return None
        path = root.at("tie_break")
        if steps[0] != "score":
            self.p.add(f"{path}[0]", 'The first step must be "score".')
        seen: set[str] = set()
        for i, step in enumerate(steps):
            if step not in TIE_BREAK_STEPS:
                self.p.add(f"{path}[{i}]", f'Unknown tie-break step "{step}" '
                                           f"(use {_quoted_list(TIE_BREAK_STEPS)}).")
            elif step in seen:
                self.p.add(f"{path}[{i}]", f'Step "{step}" is repeated.')
            seen.add(step)
        return steps

    def _conflict_rules(self) -> ConflictRules:
        table = self.root.table("conflict_rules", ("same_city", "same_country", "same_organisation"))
        if table is None:
            return ConflictRules()
        return ConflictRules(
            same_city=table.boolean("same_city", default=True),
            same_country=table.boolean("same_country", default=True),
            same_organisation=table.boolean("same_organisation", default=True),
        )

    def _signatories(self) -> list[Signatory]:
        tables = self.root.tables("signatories", ("name", "title")) or []
        return [Signatory(t.string("name", required=True), t.string("title", required=True))
                for t in tables]

    def _applicant_types(self) -> list[ApplicantType]:
        tables = self.root.tables("applicant_types", ("key", "label", "description"), required=True,
                                  nonempty_message="Give at least one applicant type.") or []
        seen: dict[str, str] = {}
        result = []
        for t in tables:
            key = t.key()
            _unique(self.p, seen, key, t.at("key"), "applicant type key")
            result.append(ApplicantType(key, t.string("label", required=True),
                                        t.string("description", default="")))
        self.type_keys = set(seen)
        return result

    # -- levels and criteria ------------------------------------------------------------

    def _levels(self, owner: _Table) -> list[tuple[Level, str]] | None:
        tables = owner.tables("levels", _LEVEL_KEYS, nonempty_message="Give at least one level.")
        if tables is None:
            return None
        result = []
        for t in tables:
            low = t.integer("min_score", required=True)
            high = t.integer("max_score", required=True)
            label = t.string("label", required=True)
            description = t.string("description", default="")
            if low is not None and high is not None and high < low:
                self.p.add(t.at("max_score"), f"Must be at least min_score ({low}).")
                high = None
            result.append((Level(low, high, label, description), t.path))
        return result

    def _level_sets(self) -> None:
        for name, table in self.root.named_tables("level_sets", ("levels",)):
            if not table.has("levels"):
                self.p.add(table.at("levels"), _MISSING_MESSAGE)
            self.level_sets[name] = self._levels(table)

    def _level_set_ref(self, table: _Table) -> _Setting:
        if not table.has("level_set"):
            return _Setting()
        name = table.string("level_set")
        if name is not None and name not in self.level_sets:
            self.p.add(table.at("level_set"), f'Unknown level set "{name}"'
                                              f"{_suggest(name, self.level_sets)}.")
        return _Setting(True, name if name in self.level_sets else None, table.at("level_set"))

    def _check_levels(self, levels: list[tuple[Level, str]], low: int, high: int, place: str) -> None:
        usable = [(lv, path) for lv, path in levels
                  if isinstance(lv.min_score, int) and isinstance(lv.max_score, int)]
        for lv, path in usable:
            if lv.min_score < low or lv.max_score > high:
                self.p.add(path, f"Level {lv.min_score}-{lv.max_score} lies outside the scale "
                                 f"{low}-{high}.")
        ordered = sorted(usable, key=lambda item: (item[0].min_score, item[0].max_score))
        reach: Level | None = None  # the level reaching highest so far
        for b, path_b in ordered:
            if reach is not None and b.min_score <= reach.max_score:
                self.p.add(path_b, f"Levels {reach.min_score}-{reach.max_score} and "
                                   f"{b.min_score}-{b.max_score} overlap.")
            if reach is None or b.max_score > reach.max_score:
                reach = b
        if len(usable) == len(levels):
            missing = [s for s in range(low, high + 1)
                       if not any(lv.min_score <= s <= lv.max_score for lv, _ in usable)]
            if missing:
                self.p.add(place, f"Levels leave {_scores(missing)} uncovered on the scale "
                                  f"{low}-{high}.")

    def _weight(self, table: _Table) -> _Setting:
        if not table.has("weight"):
            return _Setting()
        value = table.number("weight")
        if value is not None and value <= 0:
            self.p.add(table.at("weight"), "Must be greater than 0.")
            value = None
        return _Setting(True, value, table.at("weight"))

    def _scale(self, table: _Table, key: str) -> _Setting:
        if not table.has(key):
            return _Setting()
        return _Setting(True, table.integer(key), table.at(key))

    def _check_scale(self, low: _Setting, high: _Setting) -> bool:
        """True when both ends are known and in order; reports scale_min >= scale_max."""
        if low.value is None or high.value is None:
            return False
        if low.value >= high.value:
            self.p.add(high.path, f"Must be greater than scale_min ({low.value}).")
            return False
        return True

    def _criterion(self, t: _Table, defaults: dict[str, _Setting] | None) -> Criterion:
        defaults = defaults or {}
        key = t.key()
        name = t.string("name", required=True)
        description = t.string("description", required=True)

        def setting(own: _Setting, name_: str) -> _Setting:
            if own.present:
                return own
            inherited = defaults.get(name_)
            if inherited is not None and inherited.present:
                return inherited
            self.p.add(t.at(name_), _MISSING_MESSAGE)
            return _Setting()

        weight = setting(self._weight(t), "weight")
        low = setting(self._scale(t, "scale_min"), "scale_min")
        high = setting(self._scale(t, "scale_max"), "scale_max")
        scale_ok = self._check_scale(low, high)

        inline = self._levels(t) if t.has("levels") else None
        own_set = self._level_set_ref(t)
        if t.has("levels") and own_set.present:
            self.p.add(t.at("level_set"), "Give either levels or level_set, not both.")
        levels: list[tuple[Level, str]] | None = None
        levels_place = t.at("levels")
        if t.has("levels"):
            levels = inline
            if t.has("level_descriptions"):
                self.p.add(t.at("level_descriptions"), "level_descriptions needs a level_set.")
        else:
            chosen = own_set if own_set.present else defaults.get("level_set", _Setting())
            if chosen.present:
                levels = self.level_sets.get(chosen.value) if chosen.value else None
                levels_place = chosen.path
                levels = self._apply_descriptions(t, chosen, levels)
            elif t.has("level_descriptions"):
                self.p.add(t.at("level_descriptions"), "level_descriptions needs a level_set.")
        if levels is not None and scale_ok:
            self._check_levels(levels, low.value, high.value, levels_place)
        return Criterion(
            key=key,
            name=name,
            description=description,
            weight=weight.value,
            scale_min=low.value,
            scale_max=high.value,
            levels=tuple(lv for lv, _ in levels or ()),
        )

    def _apply_descriptions(self, t: _Table, chosen: _Setting,
                            levels: list[tuple[Level, str]] | None) -> list[tuple[Level, str]] | None:
        if not t.has("level_descriptions"):
            return levels
        texts = t.str_list("level_descriptions")
        if texts is None or levels is None:
            return levels
        if len(texts) != len(levels):
            self.p.add(t.at("level_descriptions"),
                       f'Give one description per level of level set "{chosen.value}" '
                       f"({len(levels)}), not {len(texts)}.")
            return levels
        return [(Level(lv.min_score, lv.max_score, lv.label, text), path)
                for (lv, path), text in zip(levels, texts)]

    def _criteria_list(self, owner: _Table, defaults: dict[str, _Setting] | None,
                       nonempty_message: str) -> tuple[Criterion, ...] | None:
        tables = owner.tables("criteria", _CRITERION_KEYS, required=True,
                              nonempty_message=nonempty_message)
        if tables is None:
            return None
        seen: dict[str, str] = {}
        result = []
        for t in tables:
            criterion = self._criterion(t, defaults)
            _unique(self.p, seen, criterion.key, t.at("key"), "criterion key")
            result.append(criterion)
        return tuple(result)

    def _criteria_sets(self) -> None:
        for name, table in self.root.named_tables("criteria_sets", _CRITERIA_SET_KEYS):
            table.string("description", default="")
            defaults = {
                "weight": self._weight(table),
                "scale_min": self._scale(table, "scale_min"),
                "scale_max": self._scale(table, "scale_max"),
                "level_set": self._level_set_ref(table),
            }
            if defaults["scale_min"].present and defaults["scale_max"].present:
                self._check_scale(defaults["scale_min"], defaults["scale_max"])
            self.criteria_sets[name] = self._criteria_list(
                table, defaults, "Give at least one criterion.")

    # -- sections and fields ------------------------------------------------------------

    def _field(self, t: _Table) -> FormField:
        key = t.key()
        label = t.string("label", required=True)
        kind = t.string("kind", default="textarea")
        if kind is not None and kind not in FIELD_KINDS:
            self.p.add(t.at("kind"), f'Unknown field kind "{kind}" (use {_quoted_list(FIELD_KINDS)}).')
            kind = None
        required = t.boolean("required", default=True)
        word_limit = t.integer("word_limit", minimum=1)
        if t.has("word_limit") and kind is not None and kind not in WORD_LIMIT_KINDS:
            self.p.add(t.at("word_limit"), "Only text and textarea fields have a word limit.")
        help_text = t.string("help", default="")
        choices = t.str_list("choices")
        if kind == "select":
            if choices is None and not t.has("choices"):
                self.p.add(t.at("choices"), "A select field needs choices.")
            elif choices is not None and not choices:
                self.p.add(t.at("choices"), "A select field needs choices.")
            for i, choice in enumerate(choices or ()):
                if choice in (choices or [])[:i]:
                    self.p.add(f"{t.at('choices')}[{i}]", f'Choice "{choice}" is listed twice.')
        elif t.has("choices") and kind is not None:
            self.p.add(t.at("choices"), "Only select fields have choices.")
        if key == "title":
            if kind is not None and kind != "text":
                self.p.add(t.at("kind"), 'The "title" field must be of kind "text".')
            if required is False:
                self.p.add(t.at("required"), 'The "title" field must be required.')
        if key == "summary" and kind is not None and kind not in WORD_LIMIT_KINDS:
            self.p.add(t.at("kind"), 'The "summary" field must be of kind "text" or "textarea".')
        return FormField(
            key=key,
            label=label,
            kind=kind,
            required=required,
            word_limit=word_limit,
            help=help_text,
            choices=tuple(choices or ()),
        )

    def _section_body(self, t: _Table, key: str | None, shared: bool) -> _Section:
        title = t.string("title", required=True)
        help_text = t.string("help", default="")
        tables = t.tables("fields", _FIELD_KEYS, required=True,
                          nonempty_message="Give at least one field.") or []
        seen: dict[str, str] = {}
        fields_, paths = [], []
        for ft in tables:
            f = self._field(ft)
            _unique(self.p, seen, f.key, ft.at("key"), "field key")
            fields_.append(f)
            paths.append(ft.path)
        return _Section(FormSection(key, title, help_text, tuple(fields_)), paths, shared)

    def _shared_sections(self) -> None:
        for name, table in self.root.named_tables("sections", _SHARED_SECTION_KEYS):
            self.shared_sections[name] = self._section_body(table, name, shared=True)

    def _use_shared(self, name: Any, path: str) -> _Section | None:
        if not isinstance(name, str):
            self.p.add(path, f"Expected the name of a shared section, got {_describe(name)}.")
            return None
        if name not in self.shared_sections:
            self.p.add(path, f'Unknown shared section "{name}"'
                             f"{_suggest(name, self.shared_sections)}.")
            return None
        return self.shared_sections[name]

    def _form_sections(self, form: _Table) -> tuple[list[tuple[_Section, str]], bool]:
        """The form's sections, and whether every one of them could be read."""
        items = form.raw_list("sections", required=True,
                              nonempty_message="Give at least one section.")
        if items is None:
            return [], False
        result: list[tuple[_Section, str]] = []
        complete = True
        for item, path in items:
            if isinstance(item, str):
                section = self._use_shared(item, path)
            elif isinstance(item, dict):
                t = _Table(self.p, item, path, _SECTION_KEYS)
                if t.has("use"):
                    others = [k for k in item if k != "use"]
                    if others:
                        self.p.add(path, 'A section with "use" takes no other keys.')
                    section = self._use_shared(item["use"], t.at("use"))
                else:
                    section = self._section_body(t, t.key(), shared=False)
            else:
                self.p.add(path, "Expected a table or the name of a shared section, "
                                 f"got {_describe(item)}.")
                section = None
            if section is None:
                complete = False
            else:
                result.append((section, path))
        return result, complete

    # -- categories ---------------------------------------------------------------------

    def _type_list(self, t: _Table, key: str, *, required: bool,
                   accepted: list[str] | None = None,
                   category_key: str | None = None) -> list[str] | None:
        """A list of applicant type keys: known, not repeated, and (when `accepted` is given)
        accepted by the category."""
        values = t.str_list(key, required=required,
                            nonempty_message="Give at least one applicant type.")
        if values is None:
            return None
        path = t.at(key)
        for i, value in enumerate(values):
            if value not in self.type_keys:
                self.p.add(f"{path}[{i}]", f'Unknown applicant type "{value}"'
                                           f"{_suggest(value, self.type_keys)}.")
            elif value in values[:i]:
                self.p.add(f"{path}[{i}]", f'Applicant type "{value}" is listed twice.')
            elif accepted is not None and value not in accepted:
                self.p.add(f"{path}[{i}]", f'Category "{category_key}" does not accept '
                                           f'applicant type "{value}".')
        return values

    def _tiers(self, t: _Table, category_key: str | None,
               accepted: list[str] | None) -> list[AwardTier]:
        tables = t.tables("tiers", _TIER_KEYS, required=True,
                          nonempty_message="Give at least one award tier.") or []
        seen: dict[str, str] = {}
        result = []
        for tt in tables:
            key = tt.key()
            _unique(self.p, seen, key, tt.at("key"), "tier key")
            name = tt.string("name", required=True)
            slots = tt.integer("slots", required=True, minimum=1)
            if not tt.has("applicant_types"):
                types_ = accepted  # by default a tier is open to every type of its category
            elif accepted is None:
                types_ = tt.str_list("applicant_types")  # the category's own list is broken
            else:
                types_ = self._type_list(tt, "applicant_types", required=False,
                                         accepted=accepted, category_key=category_key)
            result.append(AwardTier(key, name, slots, tuple(types_ or ())))
        return result

    def _categories(self) -> list[tuple[Category, str]]:
        tables = self.root.tables("categories", _CATEGORY_KEYS, required=True,
                                  nonempty_message="Give at least one category.") or []
        seen_keys: dict[str, str] = {}
        seen_codes: dict[str, str] = {}
        result = []
        uses_main = bool(self.tie_break) and "main_criterion" in self.tie_break
        for t in tables:
            key = t.key()
            _unique(self.p, seen_keys, key, t.at("key"), "category key")
            code = t.key("code", pattern=_CODE_RE, message=_CODE_MESSAGE)
            _unique(self.p, seen_codes, code, t.at("code"), "category code")
            name = t.string("name", required=True)
            description = t.string("description", default="")
            entered = t.boolean("entered", default=True)
            accepted = self._type_list(t, "applicant_types", required=True)
            if accepted is None and key is not None:
                self.unreadable_type_lists.add(key)
            tiers = self._tiers(t, key, accepted)
            criteria: tuple[Criterion, ...] | None = ()
            main = t.string("main_criterion")
            if entered is True:
                criteria = self._category_criteria(t)
                if main is not None and criteria is not None:
                    known = [c.key for c in criteria]
                    if main not in known:
                        self.p.add(t.at("main_criterion"),
                                   f'Category "{key}" has no criterion "{main}" '
                                   f"(criteria: {_quoted_list(known)}).")
                elif not t.has("main_criterion") and uses_main:
                    self.p.add(t.at("main_criterion"),
                               'Required because tie_break uses "main_criterion".')
            elif entered is False:
                for k in ("criteria", "criteria_set"):
                    if t.has(k):
                        self.p.add(t.at(k), "A category that is not entered (entered = false) "
                                            "has no criteria.")
                if t.has("main_criterion"):
                    self.p.add(t.at("main_criterion"), "A category that is not entered "
                                                       "(entered = false) has no main criterion.")
            category = Category(
                key=key,
                code=code,
                name=name,
                description=description,
                entered=entered,
                applicant_types=tuple(accepted or ()),
                tiers=tuple(tiers),
                criteria=tuple(criteria or ()),
                main_criterion=main if entered else None,
            )
            result.append((category, t.path))
        return result

    def _category_criteria(self, t: _Table) -> tuple[Criterion, ...] | None:
        needs = "An entered category needs at least one criterion (give criteria or criteria_set)."
        if t.has("criteria") and t.has("criteria_set"):
            self.p.add(t.at("criteria_set"), "Give either criteria or criteria_set, not both.")
            self._criteria_list(t, None, needs)
            return None
        if t.has("criteria_set"):
            name = t.string("criteria_set")
            if name is None:
                return None
            if name not in self.criteria_sets:
                self.p.add(t.at("criteria_set"), f'Unknown criteria set "{name}"'
                                                 f"{_suggest(name, self.criteria_sets)}.")
                return None
            return self.criteria_sets[name]
        if not t.has("criteria"):
            self.p.add(t.at("criteria"), needs)
            return None
        return self._criteria_list(t, None, needs)

    # -- forms --------------------------------------------------------------------------

    def _forms(self, categories: list[tuple[Category, str]]) -> list[EntryForm]:
        root = self.root
        tables = root.tables("forms", _FORM_KEYS)
        by_key: dict[str, Category] = {}
        for category, _ in categories:
            if isinstance(category.key, str):
                by_key.setdefault(category.key, category)
        seen: dict[str, str] = {}
        result: list[EntryForm] = []
        served: dict[tuple[str, str], str] = {}  # (category, type) -> form key
        coverage_known = tables is not None or not root.has("forms")
        for t in tables or []:
            key = t.key()
            _unique(self.p, seen, key, t.at("key"), "form key")
            title = t.string("title", required=True)
            cats = t.str_list("categories", required=True,
                              nonempty_message="Give at least one category.")
            kinds = self._type_list(t, "applicant_types", required=True)
            attachments = t.integer("required_attachments", default=0, minimum=0,
                                minimum_message="Must be 0 or more.")
            sections, complete = self._form_sections(t)
            self._check_form_fields(t, sections, complete)
            if cats is None or kinds is None:
                coverage_known = False
            else:
                self._check_form_pairs(t, key, cats, kinds, by_key, served)
            result.append(EntryForm(
                key=key,
                title=title,
                categories=tuple(cats or ()),
                applicant_types=tuple(kinds or ()),
                sections=tuple(s.section for s, _ in sections),
                required_attachments=attachments,
            ))
        if coverage_known:
            for category, _ in categories:
                if category.entered is not True:
                    continue
                for type_key in category.applicant_types:
                    if type_key in self.type_keys and (category.key, type_key) not in served:
                        self.p.add(root.at("forms"), f'No form serves category "{category.key}" '
                                                     f'for applicant type "{type_key}".')
        return result

    def _check_form_pairs(self, t: _Table, form_key: str | None, cats: list[str], kinds: list[str],
                          by_key: dict[str, Category], served: dict[tuple[str, str], str]) -> None:
        for i, cat_key in enumerate(cats):
            path = f"{t.at('categories')}[{i}]"
            if cat_key in cats[:i]:
                self.p.add(path, f'Category "{cat_key}" is listed twice.')
                continue
            category = by_key.get(cat_key)
            if category is None:
                self.p.add(path, f'Unknown category "{cat_key}"{_suggest(cat_key, by_key)}.')
                continue
            if category.entered is False:
                self.p.add(path, f'Category "{cat_key}" is not entered by applicants, '
                                 "so it has no form.")
                continue
            if cat_key in self.unreadable_type_lists:
                continue
            for j, type_key in enumerate(kinds):
                if type_key not in self.type_keys or type_key in kinds[:j]:
                    continue
                if type_key not in category.applicant_types:
                    self.p.add(f"{t.at('applicant_types')}[{j}]",
                               f'Category "{cat_key}" does not accept applicant type "{type_key}".')
                    continue
                pair = (cat_key, type_key)
                if pair in served:
                    self.p.add(t.path, f'Category "{cat_key}" for applicant type "{type_key}" '
                                       f'is already served by form "{served[pair]}".')
                elif form_key is not None:
                    served[pair] = form_key

    def _check_form_fields(self, t: _Table, sections: list[tuple[_Section, str]],
                           complete: bool) -> None:
        section_keys: dict[str, str] = {}
        field_owner: dict[str, str] = {}  # field key -> section key
        for section, path in sections:
            skey = section.section.key
            place = path if section.shared else _join(path, "key")
            _unique(self.p, section_keys, skey, place, "section key")
            for f, fpath in zip(section.section.fields, section.field_paths):
                if f.key is None:
                    continue
                if f.key in field_owner and field_owner[f.key] != skey:
                    where = path if section.shared else _join(fpath, "key")
                    self.p.add(where, f'Duplicate field key "{f.key}" in this form '
                                      f'(also in section "{field_owner[f.key]}").')
                field_owner.setdefault(f.key, skey)
        if complete:
            for required_key, why in (("title", "the entry's title"), ("summary", "the entry's summary")):
                if required_key not in field_owner:
                    self.p.add(t.at("sections"), f'The form has no "{required_key}" field '
                                                 f"(every form needs one: {why}).")

    # -- rounds -------------------------------------------------------------------------

    def _rounds(self) -> list[RoundSpec]:
        tables = self.root.tables("rounds", _ROUND_KEYS, required=True,
                                  nonempty_message="Give at least one round.") or []
        result = []
        for i, t in enumerate(tables):
            number = t.integer("number", required=True)
            if number is not None and number != i + 1:
                self.p.add(t.at("number"), f"Rounds must be numbered 1, 2, ... in order: "
                                           f"expected {i + 1}, found {number}.")
            name = t.string("name", required=True)
            judges = t.integer("judges_per_entry", required=True, minimum=1)
            share = t.number("finalist_share")
            last = i == len(tables) - 1
            if last and t.has("finalist_share"):
                self.p.add(t.at("finalist_share"),
                           "The last round has no finalists: remove finalist_share.")
                share = None
            elif not last and not t.has("finalist_share"):
                self.p.add(t.at("finalist_share"), "Required for every round but the last: "
                                                   "the share of entries that go on to the next "
                                                   "round.")
            elif share is not None and not 0 < share <= 1:
                self.p.add(t.at("finalist_share"), "Must be greater than 0 and at most 1.")
            result.append(RoundSpec(number, name, judges, share))
        return result


# --------------------------------------------------------------------------- public API


def _load(text: str, label: str, source: str) -> Program:
    problems = _Problems(label)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION_RE.search(message)
        if match:
            place = f"line {match[1]}, column {match[2]}"
        else:
            match = _TOML_END_RE.search(message)
            place = "end of document" if match else ""
        if match:
            message = message[: match.start()]
        problems.add(place, f"TOML syntax error: {message}.")
        raise ProgramError(problems.items) from None
    program = _Builder(problems, data, source).build()
    if problems.items:
        raise ProgramError(problems.items)
    return program


def load_program_text(text: str, source: str = "<string>") -> Program:
    """Load and validate a program from TOML text; `source` names it in problem places."""
    return _load(text, source, source)


def load_program(path: str | Path) -> Program:
    """Load and validate a program file. Problem places start with the file's name."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ProgramError([ProgramProblem(path.name, f"Cannot read the file: {exc.strerror}.")]) from None
    except UnicodeDecodeError:
        raise ProgramError([ProgramProblem(path.name, "The file is not UTF-8 text.")]) from None
    return _load(text, path.name, str(path))


def seoul_program_path() -> Path:
    """Path of the Seoul Smart City Prize program shipped with the package."""
    return Path(__file__).resolve().parent.parent / "programs" / SEOUL_PROGRAM_FILE


# --------------------------------------------------------------------------- storage


def _to_plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (tuple, list)):
        return [_to_plain(v) for v in value]
    return value


def program_to_dict(program: Program) -> dict[str, Any]:
    """A JSON-serialisable dict of the whole program (lists for tuples)."""
    return _to_plain(program)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _stored_error(path: str, message: str) -> ProgramError:
    return ProgramError([ProgramProblem(f"<stored program>:{path}", message)])


def _from_plain(tp: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in typing.get_args(tp):
            return None
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        return _from_plain(inner, value, path)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise _stored_error(path, f"Expected a list, got {_describe(value)}.")
        (inner, _ellipsis) = typing.get_args(tp)
        return tuple(_from_plain(inner, v, f"{path}[{i}]") for i, v in enumerate(value))
    if is_dataclass(tp):
        if not isinstance(value, Mapping):
            raise _stored_error(path, f"Expected an object, got {_describe(value)}.")
        hints = _hints(tp)
        names = {f.name for f in fields(tp)}
        unknown = [k for k in value if k not in names]
        if unknown:
            raise _stored_error(_join(path, unknown[0]), "Unknown key.")
        kwargs = {}
        for f in fields(tp):
            if f.name in value:
                kwargs[f.name] = _from_plain(hints[f.name], value[f.name], _join(path, f.name))
            elif f.default is MISSING and f.default_factory is MISSING:
                raise _stored_error(_join(path, f.name), _MISSING_MESSAGE)
        return tp(**kwargs)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _stored_error(path, f"Expected a number, got {_describe(value)}.")
        return float(value)
    if tp is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise _stored_error(path, f"Expected an integer, got {_describe(value)}.")
    if tp in (str, bool) and not isinstance(value, tp):
        raise _stored_error(path, f"Expected {'a string' if tp is str else 'true or false'}, "
                                  f"got {_describe(value)}.")
    return value


def program_from_dict(data: Mapping[str, Any]) -> Program:
    """Rebuild a Program from program_to_dict's output (e.g. after a JSON round trip)."""
    return _from_plain(Program, data, "")
