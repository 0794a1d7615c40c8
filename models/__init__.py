"""Database models, sessions and queries. Importing this package registers every table."""

from models.audit import AuditEntry
from models.base import Base
from models.conversation import ConversationState
from models.dedupe import HandledUpdate
from models.discounts import Merchant
from models.member import Member, Role
from models.mutual_aid import AidPlan, Claim, ClaimDocument, Consent
from models.roster import BindAttempt, Binding, RosterEntry

__all__ = [
    "AidPlan", "AuditEntry", "Base", "BindAttempt", "Binding", "Claim", "ClaimDocument",
    "Consent", "ConversationState", "HandledUpdate", "Member", "Merchant", "Role", "RosterEntry",
]
