"""Font discovery and fallback for certificates.

ReportLab has no automatic font fallback, so the renderer keeps an ordered list of fonts
(a :class:`FontSet`) and draws every character with the first font in that list that
covers it (see :mod:`judging.certificates.text`).

Fallback order, first to last:

1. Fonts found in the *extra directories* given by the caller (the app passes a configurable
   list), in the order the directories are given and by file name within a directory. They
   are used for every character they cover, so a deployment can override any script.
2. **Noto Sans** from the ``fontpkg-noto-sans`` package (found through ``fontpkg``): Latin
   with diacritics (Turkish, Portuguese, Icelandic, Vietnamese...), Cyrillic, Greek.
3. **Noto Sans Arabic** from ``fontpkg-noto-sans-arabic``: Arabic and Persian, including the
   presentation forms that ``arabic_reshaper`` produces.
4. **Korean**: NanumGothic (or NanumMyeongjo) from the system (Debian ``fonts-nanum``,
   ``/usr/share/fonts/truetype/nanum``). Restricted to the Hangul blocks, so Han characters
   in a Chinese name are not drawn with Korean hanja glyphs.
5. **Chinese**: WenQuanYi Zen Hei (Debian ``fonts-wqy-zenhei``, subfont 0 of a ``.ttc``), or
   another TrueType font covering Han characters found in the search directories.
6. Further **Noto** TrueType fonts from the system (Debian ``fonts-noto-core``,
   ``/usr/share/fonts/truetype/noto``): Noto Sans <script>, then Noto Serif <script>, then the
   other Noto families, for scripts not covered above (Hebrew, Thai, Armenian, Georgian...).
7. Last resort, for Hangul and Han only: ReportLab's built-in CID fonts
   ``HYSMyeongJo-Medium`` (Hangul) and ``STSong-Light`` (Han). They are **not embedded**:
   :func:`missing_glyphs` reports characters that only they can show, so the app can warn
   before issuing a certificate whose look depends on the reader's PDF viewer.

Fonts with CFF (PostScript) outlines, such as the Noto CJK OpenType files, cannot be used by
ReportLab's ``TTFont``: they are skipped and listed in :attr:`FontSet.skipped`, as are fonts
whose licence bits forbid embedding. Fonts from outside the two packages and fonts-noto-core
(extra directories, Korean, Chinese) are loaded by ReportLab during discovery, so a file it
rejects is skipped there rather than failing a render later.

Scripts that need OpenType shaping (Devanagari and the other Indic scripts, Khmer, Myanmar,
Syriac...) are drawn unshaped, because ReportLab shapes only with uharfbuzz, which is not a
dependency. fonts-noto-core fonts for them are in the list for coverage; a name in such a
script should be checked by eye before issuing. No name of the prize so far needs them.

Variable fonts (the fontpkg Noto files are variable) are drawn with their default instance
(Regular); their bold face is a static instance made with ``fontTools.varLib.instancer``
the first time it is needed, once per process. Character coverage comes from the fonts'
``cmap`` tables, read with fontTools and cached per font file.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path

from fontTools.ttLib import TTFont as FTFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

__all__ = [
    "SYSTEM_FONT_DIRS",
    "FontFace",
    "FontSet",
    "ResolvedFont",
    "SkippedFont",
    "discover_fonts",
    "missing_glyphs",
]

#: Directories searched (recursively) for system fonts, after the caller's extra directories.
SYSTEM_FONT_DIRS: tuple[str, ...] = ("/usr/share/fonts", "/usr/local/share/fonts")

FONT_SUFFIXES = (".ttf", ".ttc", ".otf", ".otc")

Ranges = tuple[tuple[int, int], ...]

HANGUL_RANGES: Ranges = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x3130, 0x318F),  # Hangul Compatibility Jamo
    (0xA960, 0xA97F),  # Hangul Jamo Extended-A
    (0xAC00, 0xD7AF),  # Hangul Syllables
    (0xD7B0, 0xD7FF),  # Hangul Jamo Extended-B
)
HAN_RANGES: Ranges = (
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms
)

#: Characters that must all be covered for a font to be said to serve a script (describe()).
SCRIPT_PROBES: dict[str, str] = {
    "Latin": "AZaz\u00c0\u00e3\u00ed\u011f\u0131\u015f\u00f0\u00fe\u0111\u1eb5\u01b0",
    "Cyrillic": "\u0410\u042f\u0430\u044f\u0451\u0456\u04d9\u049b",
    "Greek": "\u0391\u03a9\u03b1\u03c9\u03ac",
    "Arabic": "\u0627\u0628\u062a\u0644\u064a\ufe8d\ufedf\ufef3",
    "Persian": "\u067e\u0686\u0698\u06af\u06cc\ufbfe",
    "Hebrew": "\u05d0\u05d1\u05e9",
    "Hangul": "\uac00\ud7a3\uc11c\uc6b8",
    "Han": "\u4e2d\u56fd\u6210\u90fd\u9ad8\u96c4",
    "Kana": "\u3042\u30a2\u30ab",
    "Thai": "\u0e01\u0e02\u0e04",
    "Armenian": "\u0531\u0561",
    "Georgian": "\u10d0\u10d1",
}

_CID_FALLBACKS: tuple[tuple[str, str, Ranges], ...] = (
    ("HYSMyeongJo-Medium", "Hangul", HANGUL_RANGES),
    ("STSong-Light", "Han", HAN_RANGES),
)

# Chinese TrueType fonts to look for by file name, best first, before a generic scan.
_CJK_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("wqy-zenhei.ttc", 0),
    ("wqy-microhei.ttc", 0),
    ("DroidSansFallbackFull.ttf", 0),
    ("DroidSansFallback.ttf", 0),
    ("uming.ttc", 0),
    ("ukai.ttc", 0),
)
_KOREAN_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("NanumGothic.ttf", "NanumGothicBold.ttf"),
    ("NanumMyeongjo.ttf", "NanumMyeongjoBold.ttf"),
    ("NanumBarunGothic.ttf", "NanumBarunGothicBold.ttf"),
)
_NOTO_FILE = re.compile(r"^Noto(?P<kind>Sans|Serif|[A-Z][a-z]+)(?P<rest>[A-Za-z0-9]*)-Regular\.ttf$")
_NOTO_EXCLUDE = re.compile(r"Display|Mono|UI$|Unjoined|Slanted|Looped")

_REGULAR_STYLES = {"regular", "book", "normal", "roman", "medium"}


@dataclass(frozen=True)
class FontFace:
    """One face registered with ReportLab under `name`."""

    name: str
    path: str | None  # None for a built-in CID font
    subfont_index: int = 0
    instance_wght: float | None = None  # variable font: static instance at this weight


@dataclass(frozen=True)
class ResolvedFont:
    """A font family in the fallback list."""

    family: str
    version: str
    source: str
    regular: FontFace
    bold: FontFace | None
    scripts: tuple[str, ...]
    embedded: bool
    ranges: Ranges | None = None  # None: every character of the font's cmap

    @property
    def name(self) -> str:
        return self.regular.name

    @property
    def path(self) -> str | None:
        return self.regular.path

    def covers(self, char: str) -> bool:
        cp = ord(char)
        if self.ranges is not None and not _in_ranges(cp, self.ranges):
            return False
        if self.regular.path is None:
            return True
        return cp in _cmap(self.regular.path, self.regular.subfont_index)

    def has_glyph(self, char: str) -> bool:
        """Whether the font file maps `char`, ignoring `ranges` (used to keep spaces and
        punctuation in the current run). A CID fallback only claims its own ranges."""
        if self.regular.path is None:
            return self.covers(char)
        return ord(char) in _cmap(self.regular.path, self.regular.subfont_index)

    def face(self, bold: bool = False) -> FontFace:
        return self.bold if bold and self.bold is not None else self.regular

    def describe(self) -> str:
        version = f" {self.version}" if self.version else ""
        scripts = ", ".join(self.scripts) if self.scripts else "no script of its own"
        state = "embedded" if self.embedded else "NOT embedded (viewer's font is used)"
        return f"{self.family}{version} ({self.source}): {scripts} \u2014 {state}"


@dataclass(frozen=True)
class SkippedFont:
    path: str
    reason: str


@dataclass(frozen=True)
class FontSet:
    """The resolved fonts in fallback order, and the font files that were skipped."""

    fonts: tuple[ResolvedFont, ...]
    skipped: tuple[SkippedFont, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.fonts or not self.fonts[0].embedded:
            raise ValueError("a FontSet needs an embedded TrueType font first")

    @property
    def primary(self) -> ResolvedFont:
        return self.fonts[0]

    @property
    def embedded(self) -> tuple[ResolvedFont, ...]:
        return tuple(f for f in self.fonts if f.embedded)

    def font_for(self, char: str) -> ResolvedFont | None:
        """The first font that covers `char`, or None."""
        for font in self.fonts:
            if font.covers(char):
                return font
        return None

    def describe(self) -> list[str]:
        rows = [font.describe() for font in self.fonts]
        rows += [f"skipped {s.path}: {s.reason}" for s in self.skipped]
        return rows


def _in_ranges(cp: int, ranges: Ranges) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


# --------------------------------------------------------------------------- font files

@dataclass(frozen=True)
class _FileInfo:
    path: str
    subfont_index: int
    family: str
    style: str
    version: str
    postscript_name: str
    truetype: bool  # glyf outlines (usable by ReportLab)
    embeddable: bool  # the licence bits (OS/2 fsType) allow embedding a subset
    variable: bool
    wght_range: tuple[float, float] | None


_lock = threading.RLock()
_cmap_cache: dict[tuple[str, int], frozenset[int]] = {}
_info_cache: dict[tuple[str, int, int, int], _FileInfo | None] = {}
_instance_cache: dict[tuple[str, int, float], bytes] = {}


def _stat_key(path: str, index: int) -> tuple[str, int, int, int]:
    st = os.stat(path)
    return (path, index, st.st_mtime_ns, st.st_size)


def _open(path: str, index: int) -> FTFont:
    return FTFont(path, fontNumber=index, lazy=True, recalcTimestamp=False)


def _cmap(path: str, index: int = 0) -> frozenset[int]:
    """Code points mapped by the font's cmap, read once per font file and process.

    Like ReportLab's registered fonts, the cache assumes a font file is not replaced in
    place while the process runs.
    """
    key = (path, index)
    cached = _cmap_cache.get(key)
    if cached is not None:
        return cached
    with _lock:
        cached = _cmap_cache.get(key)
        if cached is None:
            font = _open(path, index)
            try:
                cached = frozenset((font.getBestCmap() or {}).keys())
            finally:
                font.close()
            _cmap_cache[key] = cached
    return cached


_extent_fonts: dict[tuple[str, int], tuple[FTFont, dict[int, str], float]] = {}
_extent_cache: dict[tuple[str, int, int], tuple[float, float]] = {}


def glyph_extent(font: ResolvedFont, char: str) -> tuple[float, float]:
    """(height above the baseline, depth below it) of `char`'s outline, in ems.

    Read from the regular face's glyf table, cached per character. A CID fallback has no
    outlines here: its font-wide ascent and descent are used.
    """
    path, index = font.regular.path, font.regular.subfont_index
    if path is None:
        ascent, descent = pdfmetrics.getAscentDescent(register_face(font.regular), 1.0)
        return ascent, -descent
    cp = ord(char)
    key = (path, index, cp)
    cached = _extent_cache.get(key)
    if cached is not None:
        return cached
    with _lock:
        file_key = (path, index)
        opened = _extent_fonts.get(file_key)
        if opened is None:
            ft = _open(path, index)
            opened = (ft, ft.getBestCmap() or {}, float(ft["head"].unitsPerEm))
            _extent_fonts[file_key] = opened
        ft, cmap, units = opened
        glyph_name = cmap.get(cp)
        extent = (0.0, 0.0)
        if glyph_name is not None:
            glyf = ft["glyf"]
            glyph = glyf[glyph_name]
            if glyph.numberOfContours:
                glyph.recalcBounds(glyf)
                extent = (max(0.0, glyph.yMax / units), max(0.0, -glyph.yMin / units))
        _extent_cache[key] = extent
    return extent


def _read_info(path: str, index: int) -> _FileInfo | None:
    try:
        key = _stat_key(path, index)
    except OSError:
        return None
    if key in _info_cache:
        return _info_cache[key]
    info: _FileInfo | None
    try:
        font = _open(path, index)
    except Exception:  # noqa: BLE001 - any unreadable file found in a font directory is skipped
        info = None
    else:
        try:
            name = font["name"] if "name" in font else None

            def get(*ids: int) -> str:
                if name is None:
                    return ""
                for name_id in ids:
                    value = name.getDebugName(name_id)
                    if value:
                        return value.strip()
                return ""

            version = get(5)
            match = re.search(r"(\d+\.\d+)", version)
            fs_type = font["OS/2"].fsType if "OS/2" in font else 0
            wght = None
            if "fvar" in font:
                for axis in font["fvar"].axes:
                    if axis.axisTag == "wght":
                        wght = (float(axis.minValue), float(axis.maxValue))
            info = _FileInfo(
                path=path,
                subfont_index=index,
                family=get(16, 1) or Path(path).stem,
                style=get(17, 2) or "Regular",
                version=match.group(1) if match else "",
                postscript_name=get(6) or Path(path).stem,
                truetype="glyf" in font and "CFF " not in font and "CFF2" not in font,
                # The test ReportLab applies: restricted licence, or bitmap/no-subset only.
                embeddable=not (fs_type == 0x0002 or fs_type & 0x0300),
                variable="fvar" in font,
                wght_range=wght,
            )
        except Exception:  # noqa: BLE001 - a damaged table makes the file unusable, not discovery
            info = None
        finally:
            font.close()
    _info_cache[key] = info
    return info


def _face_name(path: str, index: int, wght: float | None, postscript_name: str) -> str:
    digest = hashlib.sha256(f"{os.path.realpath(path)}|{index}|{wght}".encode()).hexdigest()[:10]
    weight = "default" if wght is None else f"w{int(wght)}"
    return f"judging-{postscript_name}-{weight}-{digest}"


def _instance_bytes(path: str, index: int, wght: float) -> bytes:
    """A static instance of a variable font at weight `wght`, without OpenType layout tables.

    ReportLab draws glyphs by cmap and advance width only, so GSUB/GPOS/GDEF are not needed;
    dropping them first makes instancing fast (well under a second for Noto Sans).
    """
    key = (os.path.realpath(path), index, wght)
    with _lock:
        data = _instance_cache.get(key)
        if data is not None:
            return data
        from fontTools.varLib import instancer

        font = FTFont(path, fontNumber=index, recalcTimestamp=False)
        for tag in ("GSUB", "GPOS", "GDEF", "HVAR", "MVAR", "STAT"):
            if tag in font:
                del font[tag]
        limits: dict[str, float] = {"wght": wght}
        for axis in font["fvar"].axes:
            if axis.axisTag != "wght":
                limits[axis.axisTag] = axis.defaultValue
        static = instancer.instantiateVariableFont(font, limits)
        static.recalcTimestamp = False
        buffer = io.BytesIO()
        static.save(buffer)
        data = buffer.getvalue()
        _instance_cache[key] = data
        return data


# PostScript name -> registered face name. ReportLab keys embedded fonts by the face's
# PostScript name and silently reuses the first font registered under a name, so two files
# (or a variable font and its bold instance) must never share one.
_postscript_owners: dict[bytes, str] = {}


def _unique_postscript_name(face: FontFace, current: bytes) -> bytes:
    name = current
    if face.instance_wght is not None:
        base = name[: -len(b"-Regular")] if name.endswith(b"-Regular") else name
        suffix = b"Bold" if face.instance_wght == 700 else b"W%d" % int(face.instance_wght)
        name = base + b"-" + suffix
    owner = _postscript_owners.get(name)
    if owner is not None and owner != face.name:
        name = name + b"-" + face.name.rsplit("-", 1)[-1][:6].encode("ascii")
    _postscript_owners[name] = face.name
    return name


def register_face(face: FontFace) -> str:
    """Register `face` with ReportLab once per process; return its registered name."""
    if face.name in pdfmetrics.getRegisteredFontNames():
        return face.name
    with _lock:
        if face.name in pdfmetrics.getRegisteredFontNames():
            return face.name
        if face.path is None:
            pdfmetrics.registerFont(UnicodeCIDFont(face.name))
            return face.name
        if face.instance_wght is not None:
            data = _instance_bytes(face.path, face.subfont_index, face.instance_wght)
            buffer = io.BytesIO(data)
            buffer.name = face.path
            font = TTFont(face.name, buffer, shapable=False)
        else:
            font = TTFont(face.name, face.path, subfontIndex=face.subfont_index, shapable=False)
        font.face.name = _unique_postscript_name(face, font.face.name)
        pdfmetrics.registerFont(font)
    return face.name


# --------------------------------------------------------------------------- discovery


class _Builder:
    def __init__(self) -> None:
        self.fonts: list[ResolvedFont] = []
        self.skipped: list[SkippedFont] = []
        self._used: set[tuple[str, int]] = set()
        self._skipped_paths: set[str] = set()

    def used(self, path: str, index: int = 0) -> bool:
        return (os.path.realpath(path), index) in self._used

    def usable(self, path: str, index: int = 0) -> _FileInfo | None:
        info = _read_info(path, index)
        real = os.path.realpath(path)
        if info is None:
            self._skip(real, "not a readable font file")
            return None
        if not info.truetype:
            self._skip(real, "CFF (PostScript) outlines: ReportLab's TTFont needs TrueType outlines")
            return None
        if not info.embeddable:
            self._skip(real, "its licence (OS/2 fsType) does not allow embedding")
            return None
        return info

    def loads(self, *faces: FontFace | None) -> bool:
        """Register `faces` with ReportLab now; skip the font if ReportLab cannot use it.

        Used for fonts from outside the packaged set, so that a file ReportLab rejects is
        listed in FontSet.skipped instead of failing a render later.
        """
        for face in faces:
            if face is None or face.path is None:
                continue
            try:
                register_face(face)
            # A third-party font file can fail in many ways (TTFError, struct.error,
            # fontTools errors while instancing...): whatever the failure, skip the file.
            except Exception as exc:  # noqa: BLE001
                self._skip(face.path, f"ReportLab cannot use it: {type(exc).__name__}: {exc}")
                return False
        return True

    def _skip(self, path: str, reason: str) -> None:
        if path not in self._skipped_paths:
            self._skipped_paths.add(path)
            self.skipped.append(SkippedFont(path, reason))

    def add(
        self,
        info: _FileInfo,
        *,
        bold: _FileInfo | None,
        source: str,
        family: str | None = None,
        version: str | None = None,
        ranges: Ranges | None = None,
        scripts: tuple[str, ...] | None = None,
        validate: bool = True,
    ) -> bool:
        real = os.path.realpath(info.path)
        if (real, info.subfont_index) in self._used:
            return False
        self._used.add((real, info.subfont_index))
        regular = FontFace(
            _face_name(real, info.subfont_index, None, info.postscript_name),
            real,
            info.subfont_index,
        )
        bold_face: FontFace | None = None
        if bold is not None:
            bold_real = os.path.realpath(bold.path)
            self._used.add((bold_real, bold.subfont_index))
            bold_face = FontFace(
                _face_name(bold_real, bold.subfont_index, None, bold.postscript_name),
                bold_real,
                bold.subfont_index,
            )
        elif info.variable and info.wght_range and info.wght_range[0] <= 700 <= info.wght_range[1]:
            bold_face = FontFace(
                _face_name(real, info.subfont_index, 700.0, info.postscript_name),
                real,
                info.subfont_index,
                instance_wght=700.0,
            )
        if validate and not self.loads(regular, bold_face):
            return False
        if scripts is None:
            scripts = self._served_scripts(real, info.subfont_index, ranges)
        self.fonts.append(
            ResolvedFont(
                family=family or info.family,
                version=info.version if version is None else version,
                source=source,
                regular=regular,
                bold=bold_face,
                scripts=scripts,
                embedded=True,
                ranges=ranges,
            )
        )
        return True

    def _served_scripts(self, path: str, index: int, ranges: Ranges | None) -> tuple[str, ...]:
        cmap = _cmap(path, index)
        served = []
        for script, probe in SCRIPT_PROBES.items():
            cps = [ord(c) for c in probe]
            if ranges is not None and not all(_in_ranges(cp, ranges) for cp in cps):
                continue
            if not all(cp in cmap for cp in cps):
                continue
            if all(any(f.covers(c) for f in self.fonts) for c in probe):
                continue  # an earlier font already serves this script
            served.append(script)
        return tuple(served)

    def add_cid(self, name: str, script: str, ranges: Ranges) -> None:
        self.fonts.append(
            ResolvedFont(
                family=name,
                version="",
                source="ReportLab built-in CID font",
                regular=FontFace(name, None),
                bold=None,
                scripts=(script,),
                embedded=False,
                ranges=ranges,
            )
        )


def _font_files(directory: str) -> list[str]:
    """Font files under `directory`, recursively, in a stable order."""
    found: list[str] = []
    if not os.path.isdir(directory):
        return found
    for root, dirs, files in os.walk(directory, followlinks=True):
        dirs.sort()
        for name in sorted(files):
            if name.lower().endswith(FONT_SUFFIXES):
                found.append(os.path.join(root, name))
    return found


def _is_regular(info: _FileInfo) -> bool:
    return info.style.lower() in _REGULAR_STYLES


def _is_bold(info: _FileInfo) -> bool:
    return info.style.lower() == "bold"


def _add_extra_dir(builder: _Builder, directory: str) -> None:
    files = _font_files(directory)
    infos: list[_FileInfo] = []
    for path in files:
        info = builder.usable(path, 0)
        if info is not None:
            infos.append(info)
    bolds = {i.family: i for i in infos if _is_bold(i)}
    for info in infos:
        if _is_regular(info) or info.variable:
            builder.add(
                info,
                bold=None if info.variable else bolds.get(info.family),
                source=f"extra directory {directory}",
            )


def _fontpkg_family(name: str) -> tuple[str, str, str] | None:
    """(path, family version, distribution name) of a fontpkg family's Regular file."""
    try:
        import fontpkg
    except ImportError:
        return None
    try:
        family = fontpkg.family(name)
        path = fontpkg.path(name, 400, "normal")
    except Exception:  # fontpkg raises its own errors for missing families or weights
        return None
    distribution = ""
    for ep in entry_points(group="fontpkg.family"):
        if fontpkg.slugify(ep.name) == family.slug and ep.dist is not None:
            distribution = ep.dist.name
    return str(path), family.version, distribution or f"fontpkg {family.slug}"


def _find_by_name(files: Iterable[str], filename: str) -> str | None:
    for path in files:
        if os.path.basename(path) == filename:
            return path
    return None


def _camel_words(text: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text).strip()


def _add_noto_system(builder: _Builder, files: Sequence[str]) -> None:
    candidates: list[tuple[int, str, str]] = []
    for path in files:
        match = _NOTO_FILE.match(os.path.basename(path))
        if not match:
            continue
        kind, rest = match.group("kind"), match.group("rest")
        if not rest and kind in ("Sans", "Serif"):
            label = "Latin, Cyrillic, Greek"
        else:
            label = _camel_words(rest) if kind in ("Sans", "Serif") else _camel_words(kind + rest)
        if _NOTO_EXCLUDE.search(kind + rest):
            continue
        rank = {"Sans": 0, "Serif": 1}.get(kind, 2)
        candidates.append((rank, path, label))
    candidates.sort(key=lambda c: (c[0], os.path.basename(c[1])))
    families = {font.family for font in builder.fonts}
    serves_latin = any("Latin" in font.scripts for font in builder.fonts)
    for _rank, path, label in candidates:
        if builder.used(path):
            continue
        if label.startswith("Latin") and serves_latin:
            continue
        info = builder.usable(path)
        if info is None or info.family in families:
            continue
        families.add(info.family)
        bold_path = path.replace("-Regular.ttf", "-Bold.ttf")
        bold = builder.usable(bold_path) if os.path.exists(bold_path) else None
        builder.add(
            info, bold=bold, source="system, Debian fonts-noto-core", scripts=(label,), validate=False
        )


def discover_fonts(
    extra_dirs: Sequence[str] = (),
    *,
    system_dirs: Sequence[str] | None = None,
) -> FontSet:
    """Resolve the fonts available here, in the documented fallback order.

    `extra_dirs` are searched first. `system_dirs` defaults to :data:`SYSTEM_FONT_DIRS`
    (pass ``()`` to use only the packaged Noto fonts and the CID fallbacks).
    """
    builder = _Builder()
    for directory in extra_dirs:
        _add_extra_dir(builder, str(directory))

    for family_name, ranges in (("Noto Sans", None), ("Noto Sans Arabic", None)):
        found = _fontpkg_family(family_name)
        if found is None:
            continue
        path, version, distribution = found
        info = builder.usable(path)
        if info is not None:
            builder.add(
                info, bold=None, source=distribution, family=family_name, version=version,
                ranges=ranges, validate=False,
            )

    dirs = SYSTEM_FONT_DIRS if system_dirs is None else tuple(system_dirs)
    system_files: list[str] = []
    for directory in dirs:
        system_files.extend(_font_files(str(directory)))

    for regular_name, bold_name in _KOREAN_CANDIDATES:
        path = _find_by_name(system_files, regular_name)
        if path is None:
            continue
        info = builder.usable(path)
        if info is None:
            continue
        bold_path = _find_by_name(system_files, bold_name)
        bold = builder.usable(bold_path) if bold_path else None
        if builder.add(info, bold=bold, source="system, Debian fonts-nanum", ranges=HANGUL_RANGES):
            break

    if not _add_chinese(builder, system_files):
        _add_chinese_by_scan(builder, system_files)

    _add_noto_system(builder, system_files)

    if not builder.fonts:
        raise LookupError(
            "no TrueType font found: install fontpkg-noto-sans or pass a font directory"
        )
    for name, script, ranges in _CID_FALLBACKS:
        builder.add_cid(name, script, ranges)
    return FontSet(tuple(builder.fonts), tuple(builder.skipped))


def _add_chinese(builder: _Builder, files: Sequence[str]) -> bool:
    for filename, index in _CJK_CANDIDATES:
        path = _find_by_name(files, filename)
        if path is None:
            continue
        info = builder.usable(path, index)
        if info is None:
            continue
        source = "system, Debian fonts-wqy-zenhei" if filename.startswith("wqy-zenhei") else "system"
        if builder.add(info, bold=None, source=source):
            return True
    return False


def _add_chinese_by_scan(builder: _Builder, files: Sequence[str]) -> None:
    probe = [ord(c) for c in SCRIPT_PROBES["Han"]]
    for path in files:
        if "/noto/" in path.replace(os.sep, "/") and os.path.basename(path).startswith("Noto"):
            continue  # Noto system fonts are handled as a group; Noto CJK files are CFF anyway
        if builder.used(path):
            continue
        info = _read_info(path, 0)
        if info is None or not info.truetype or not _is_regular(info):
            continue
        cmap = _cmap(path, 0)
        if all(cp in cmap for cp in probe) and builder.add(info, bold=None, source="system"):
            return


# --------------------------------------------------------------------------- coverage


def _needs_no_glyph(char: str) -> bool:
    category = unicodedata.category(char)
    return category in ("Cc", "Cf") or char in "\u2028\u2029"


def missing_glyphs(text: str, fonts: FontSet) -> set[str]:
    """Characters of `text` that no *embedded* font covers.

    Arabic-script text is checked after reshaping (the presentation forms are what is
    drawn). A character only a non-embedded CID fallback can show counts as missing.
    """
    from .text import visual_text  # local import: text builds on this module

    missing: set[str] = set()
    embedded = fonts.embedded
    for char in visual_text(text):
        if _needs_no_glyph(char):
            continue
        if not any(font.covers(char) for font in embedded):
            missing.add(char)
    return missing
