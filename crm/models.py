"""Imports every model so that SQLAlchemy and Alembic see the whole schema."""
from crm.audit.models import AuditEvent  # noqa: F401
from crm.auth.models import ApiToken  # noqa: F401
from crm.bankfacts.models import BankFact  # noqa: F401
from crm.campaigns.models import Campaign, CampaignLead, LiaisonPair  # noqa: F401
from crm.changes import SyncChange  # noqa: F401
from crm.events.models import Event  # noqa: F401
from crm.intake.models import UsedFormStamp  # noqa: F401
from crm.merchants.models import Merchant  # noqa: F401
from crm.people.models import Organization, User, UserRole  # noqa: F401
from crm.plaques.models import Plaque  # noqa: F401
from crm.products.models import CampaignProduct, Product  # noqa: F401
from crm.referrals.models import IntakeSubmission, Referral, ReferralList  # noqa: F401
from crm.regions.models import Region  # noqa: F401
from crm.reminders.models import OutboxMessage, Reminder, RuleRun  # noqa: F401
from crm.reports import ledger  # noqa: F401  (keeps the figures' ledger in step with every flush)
from crm.reports.models import DayFact  # noqa: F401
from crm.subscriptions.models import Subscription  # noqa: F401
from crm.visits.models import Application, FollowUp, Need, Photo, Visit  # noqa: F401
