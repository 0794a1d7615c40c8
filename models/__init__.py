"""Database models, sessions and queries. Importing this package registers every table."""

from models.audit import AuditEntry
from models.base import Base
from models.broadcast import Broadcast, OutboxMessage
from models.conversation import ConversationState
from models.dedupe import HandledUpdate
from models.member import Member, Role
from models.subscription import MemberTag, Subscription

__all__ = [
    "AuditEntry", "Base", "Broadcast", "ConversationState", "HandledUpdate", "Member",
    "MemberTag", "OutboxMessage", "Role", "Subscription",
]
