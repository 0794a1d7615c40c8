"""Database models, sessions and queries. Importing this package registers every table."""

from models.applications import Application
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
from models.media import ChannelMedia
from models.member import Member, Role
from models.mutual_aid import AidPlan, Claim, ClaimDocument, Consent
from models.options import OfferedOptions
from models.replay import SeenCallback
from models.roster import BindAttempt, Binding, RosterEntry
from models.subscription import MemberTag, Subscription
from models.tokens import PlatformToken
from models.unanswered import RecentQuestion, UnansweredQuestion
from models.wechat_mass import WeChatMassJob, WeChatTag, WeChatTagMember

__all__ = [
    "AidPlan",
    "Application",
    "AuditEntry",
    "Base",
    "BindAttempt",
    "Binding",
    "Broadcast",
    "ChannelMedia",
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
    "RecentQuestion",
    "Registration",
    "Role",
    "RosterEntry",
    "SeenCallback",
    "StaffLogin",
    "Subscription",
    "UnansweredQuestion",
    "WeChatMassJob",
    "WeChatTag",
    "WeChatTagMember",
]
