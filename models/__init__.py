"""Database models, sessions and queries. Importing this package registers every table."""

from models.audit import AuditEntry
from models.base import Base
from models.conversation import ConversationState
from models.dedupe import HandledUpdate
from models.events import Event, Registration
from models.handoff import HandoffMessage, HandoffTicket
from models.mass_sends import MassSendCount
from models.member import Member, Role
from models.options import OfferedOptions
from models.tokens import PlatformToken

__all__ = [
    "AuditEntry",
    "Base",
    "ConversationState",
    "Event",
    "HandledUpdate",
    "HandoffMessage",
    "HandoffTicket",
    "MassSendCount",
    "Member",
    "OfferedOptions",
    "PlatformToken",
    "Registration",
    "Role",
]
