"""The domain model, one module per aggregate; everything is re-exported here.

Times are stored as UTC (`UTCDateTime`); geometry as GeoJSON text (RFC 7946,
lon/lat) with a bounding box in columns so maps can ask for what is in view.
Constraints live in the database: foreign keys, unique codes, and check
constraints on levels, states, roles and channels.
"""
from backend.accounts.permissions import ROLES
from backend.models.accounts import ApiToken, AuditEntry, User, UserSession
from backend.models.base import (CARDS, CASE_STATES, CHANNELS, GRID_LEVELS, JOB_STATES, LANGUAGE_CODES, NAMING,
                                 OPEN_STATES, PLACEMENT_COLUMNS, URGENCIES, Base, GridPlaced, UTCDateTime)
from backend.models.cases import (Attachment, Case, CaseEvent, Category, PatrolCheckIn, Report, case_id_from_number,
                                  case_number, case_number_day, number_cases_in)
from backend.models.jobs import Job
from backend.models.outbox import OutboxEvent
from backend.models.territory import Department, Grid, Person, WorkTeam, person_grid, work_team_member
from backend.models.warnings import (ACK_CHANNELS, CAP_MSG_TYPES, LIVE_STATUSES, WARNING_LEVELS, WARNING_STATUSES,
                                     WARNING_TYPES, EarlyWarning, WarningAck, WarningEvent, WarningTarget)

__all__ = ["ApiToken", "Attachment", "AuditEntry", "Base", "CARDS", "CASE_STATES", "CHANNELS", "Case", "CaseEvent", "Category",
           "Department", "GRID_LEVELS", "Grid", "GridPlaced", "JOB_STATES", "Job", "LANGUAGE_CODES", "NAMING",
           "OPEN_STATES", "OutboxEvent", "PLACEMENT_COLUMNS", "PatrolCheckIn", "Person", "ROLES", "Report", "URGENCIES",
           "UTCDateTime", "User", "UserSession", "WARNING_LEVELS", "WARNING_STATUSES", "WARNING_TYPES",
           "ACK_CHANNELS", "CAP_MSG_TYPES", "EarlyWarning", "LIVE_STATUSES", "WarningAck", "WarningEvent", "WarningTarget",
           "WorkTeam", "case_id_from_number", "case_number", "case_number_day", "number_cases_in", "person_grid",
           "work_team_member"]
