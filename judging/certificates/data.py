"""The snapshot a certificate is rendered from: plain frozen data, no database objects."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["CertificateData", "Signatory"]


@dataclass(frozen=True)
class Signatory:
    name: str
    title: str


@dataclass(frozen=True)
class CertificateData:
    serial: str  # e.g. "SSCP-2024-7Q4M-X2KD"
    prize_name: str  # "Seoul Smart City Prize"
    organiser: str  # "WeGO and the Seoul Metropolitan Government"
    edition_label: str  # "2024"
    category_name: str  # "Human-CentriCity"
    award_name: str  # "Gold", "Silver", "Corporation Award", "Finalist", "Special Mention"
    recipient_name: str  # Latin name
    recipient_name_local: str | None  # own script; None when only the Latin name exists
    project_title: str | None
    city: str
    country: str
    ceremony_date: date | None
    ceremony_place: str | None
    signatories: tuple[Signatory, ...]
    verify_url: str
    issued_on: date
    revision: int = 1
    theme: str | None = None  # Special Mention theme

    def __post_init__(self) -> None:
        for name in ("serial", "prize_name", "recipient_name", "verify_url"):
            if not getattr(self, name).strip():
                raise ValueError(f"CertificateData.{name} must not be empty")
        if self.revision < 1:
            raise ValueError("CertificateData.revision starts at 1")
        if not isinstance(self.signatories, tuple):
            raise TypeError("CertificateData.signatories must be a tuple (the data is frozen)")

    @property
    def is_recognition(self) -> bool:
        """Finalists receive a certificate of recognition rather than of award."""
        return self.award_name.strip().casefold() == "finalist"
