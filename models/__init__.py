"""Database models, sessions and queries. Importing this package registers every table."""

from models.audit import AuditEntry
from models.base import Base
from models.broadcast import Broadcast, OutboxMessage
from models.console import ConsoleLink, StaffLogin
from models.conversation import ConversationState
from models.dedupe import HandledUpdate
from models.discounts import Merchant
from models.events import Event, Registration
from models.handoff import HandoffMessage, HandoffTicket
from models.mass_sends import MassSendCount
from models.member import Member, Role
from models.mutual_aid import AidPlan, Claim, ClaimDocument, Consent
from models.options import OfferedOptions
from models.roster import BindAttempt, Binding, RosterEntry
from models.subscription import MemberTag, Subscription
from models.tokens import PlatformToken
from models.unanswered import UnansweredQuestion

__all__ = [
    "AidPlan",
    "AuditEntry",
    "Base",
    "BindAttempt",
    "Binding",
    "Broadcast",
    "Claim",
    "ClaimDocument",
    "Consent",
    "ConsoleLink",
    "ConversationState",
    "Event",
    "HandledUpdate",
    "HandoffMessage",
    "HandoffTicket",
    "MassSendCount",
    "Member",
    "MemberTag",
    "Merchant",
    "OfferedOptions",
    "OutboxMessage",
    "PlatformToken",
    "Registration",
    "Role",
    "RosterEntry",
    "StaffLogin",
    "Subscription",
    "UnansweredQuestion",
]
