"""Demo data: real city names in every script a certificate must render.

Used for the secretariat's certificate preview, the tests and the benchmark. The names come
from the prize's domain reference (Seoul / 서울특별시, Almaty / Алматы, Abu Dhabi / أبوظبي...).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .data import CertificateData, Signatory

__all__ = ["DEMO_PLACES", "DemoPlace", "sample_certificate"]


@dataclass(frozen=True)
class DemoPlace:
    name: str  # Latin name
    local: str | None  # name in its own script, None when only the Latin name exists
    country: str


DEMO_PLACES: tuple[DemoPlace, ...] = (
    DemoPlace("Seoul", "서울특별시", "Republic of Korea"),
    DemoPlace("Almaty", "Алматы", "Kazakhstan"),
    DemoPlace("Beyoğlu", None, "Türkiye"),
    DemoPlace("São Paulo", None, "Brazil"),
    DemoPlace("Reykjavík", None, "Iceland"),
    DemoPlace("Đà Nẵng", None, "Viet Nam"),
    DemoPlace("Chengdu", "成都", "China"),
    DemoPlace("Abu Dhabi", "أبوظبي", "United Arab Emirates"),
    DemoPlace("Hebron", "الخليل", "Palestine"),
    DemoPlace("Kaohsiung", "高雄", "Taiwan"),
    DemoPlace("Odense", None, "Denmark"),
    DemoPlace("Dublin", None, "Ireland"),
    DemoPlace("Manila", None, "Philippines"),
    DemoPlace("Wellington", None, "New Zealand"),
    DemoPlace("Los Angeles", None, "United States"),
    DemoPlace("Madrid", None, "Spain"),
    DemoPlace("Konya", None, "Türkiye"),
    DemoPlace("Dhaka", None, "Bangladesh"),
    DemoPlace("Makati", None, "Philippines"),
    DemoPlace("Kampala", None, "Uganda"),
    DemoPlace("Nairobi", None, "Kenya"),
    DemoPlace("Cuenca", None, "Ecuador"),
    DemoPlace("Cali", None, "Colombia"),
    DemoPlace("Baguio City", None, "Philippines"),
    DemoPlace("Seberang Perai", None, "Malaysia"),
    DemoPlace("Quelimane", None, "Mozambique"),
    DemoPlace("Shiraz", "شیراز", "Iran"),
)

_AWARDS = ("Gold", "Silver", "Bronze", "Corporation Award", "Institution Award", "Finalist")
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _code(number: int) -> str:
    digits = []
    for _ in range(4):
        number, rest = divmod(number, len(_CODE_ALPHABET))
        digits.append(_CODE_ALPHABET[rest])
    return "".join(reversed(digits))


def sample_certificate(
    index: int = 0,
    *,
    base_url: str = "https://prize.example.org",
    edition: int = 2024,
) -> CertificateData:
    """A plausible certificate for the city DEMO_PLACES[index % len(DEMO_PLACES)].

    The signatories are fictitious placeholders. Serials are distinct for index < 31**4.
    """
    place = DEMO_PLACES[index % len(DEMO_PLACES)]
    serial = f"SSCP-{edition}-{_code(index)}-{_code((index * 104729 + 17) % len(_CODE_ALPHABET) ** 4)}"
    award = _AWARDS[index % len(_AWARDS)]
    category = "Human-CentriCity" if index % 2 == 0 else "Tech-InnovaCity"
    return CertificateData(
        serial=serial,
        prize_name="Seoul Smart City Prize",
        organiser="WeGO and the Seoul Metropolitan Government",
        edition_label=str(edition),
        category_name=category,
        award_name=award,
        recipient_name=place.name,
        recipient_name_local=place.local,
        project_title=f"Citizen-led smart mobility for {place.name}",
        city=place.name,
        country=place.country,
        ceremony_date=date(edition, 10, 10),
        ceremony_place="Seoul",
        signatories=(
            Signatory("Kim Min-jun", "Chair, Judging Committee"),
            Signatory("Amina Okafor", "Secretary General, WeGO"),
        ),
        verify_url=f"{base_url}/verify/{serial}",
        issued_on=date(edition, 10, 10),
    )
