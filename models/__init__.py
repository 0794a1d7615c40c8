"""Database models, sessions and queries. Importing this package registers every table."""

from models.audit import AuditEntry
from models.base import Base
from models.conversation import ConversationState
from models.dedupe import HandledUpdate
from models.events import Event, Registration
from models.handoff import HandoffMessage, HandoffTicket
from models.member import Member, Role

__all__ = [
    "AuditEntry",
    "Base",
    "ConversationState",
    "Event",
    "HandledUpdate",
    "HandoffMessage",
    "HandoffTicket",
    "Member",
    "Registration",
    "Role",
]
