"""Typed SQLAlchemy 2 models of Business Central's relationship management, one workspace per Slack team."""

from storage.models.base import Base
from storage.models.campaigns import Campaign
from storage.models.classifications import (
    CLASSIFICATIONS,
    BusinessRelation,
    Classification,
    ContactBusinessRelation,
    ContactIndustryGroup,
    ContactJobResponsibility,
    ContactMailingGroup,
    IndustryGroup,
    JobResponsibility,
    MailingGroup,
)
from storage.models.contacts import COMPANY, PERSON, Contact
from storage.models.interactions import InteractionLogEntry, InteractionTemplate
from storage.models.journal import SegmentAction, SegmentLineHistory
from storage.models.logged import LoggedSegment
from storage.models.pending import PendingAction, PendingActionContact
from storage.models.profiles import ContactProfileAnswer, ProfileQuestion
from storage.models.saved import SavedCriteria
from storage.models.schedules import LiveSegment, SegmentRun, SegmentSchedule
from storage.models.segments import Segment, SegmentLine
from storage.models.slack import SlackRequest, slack_bots, slack_installations, slack_oauth_states
from storage.models.workspace import Workspace

__all__ = [
    "CLASSIFICATIONS",
    "COMPANY",
    "PERSON",
    "Base",
    "BusinessRelation",
    "Campaign",
    "Classification",
    "Contact",
    "ContactBusinessRelation",
    "ContactIndustryGroup",
    "ContactJobResponsibility",
    "ContactMailingGroup",
    "ContactProfileAnswer",
    "IndustryGroup",
    "InteractionLogEntry",
    "InteractionTemplate",
    "JobResponsibility",
    "LiveSegment",
    "LoggedSegment",
    "MailingGroup",
    "PendingAction",
    "PendingActionContact",
    "ProfileQuestion",
    "SavedCriteria",
    "Segment",
    "SegmentAction",
    "SegmentLine",
    "SegmentLineHistory",
    "SegmentRun",
    "SegmentSchedule",
    "SlackRequest",
    "Workspace",
    "slack_bots",
    "slack_installations",
    "slack_oauth_states",
]
