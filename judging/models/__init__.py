"""SQLAlchemy 2.0 typed models, one module per aggregate."""
from judging.models.audit import AuditEvent
from judging.models.awards import AwardDecision, ImmutableRecordError
from judging.models.base import Base, utcnow
from judging.models.certificates import Certificate
from judging.models.conflicts import ConflictDeclaration, automatic_conflicts
from judging.models.editions import Edition, PanelMember, Round
from judging.models.entries import Attachment, Entry
from judging.models.notifications import Notification
from judging.models.programs import AwardTier, Category, Criterion, Program
from judging.models.reviews import Assignment, Review, Score
from judging.models.revision import DataRevision, current_revision
from judging.models.states import EditionState, EntryState, ReviewState, RoundState
from judging.models.users import Role, User, UserRole

__all__ = [
    "Assignment", "Attachment", "AuditEvent", "AwardDecision", "AwardTier", "Base", "Category",
    "Certificate", "ConflictDeclaration", "Criterion", "DataRevision", "Edition", "EditionState", "Entry",
    "EntryState", "ImmutableRecordError", "Notification", "PanelMember", "Program", "Review",
    "ReviewState", "Role", "Round", "RoundState", "Score", "User", "UserRole",
    "automatic_conflicts", "current_revision", "utcnow",
]
