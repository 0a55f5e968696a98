"""The typed catalogue of audited actions. Code names actions from here, never with string literals."""

from django.db import models


class AuditAction(models.TextChoices):
    # Sign-in and sessions
    SIGNED_IN = "accounts.signed_in", "Signed in"
    SIGN_IN_FAILED = "accounts.sign_in_failed", "Sign-in failed"
    SIGNED_OUT = "accounts.signed_out", "Signed out"
    ROLE_SWITCHED = "accounts.role_switched", "Changed working role"
    # People who use the product
    USER_CREATED = "accounts.user_created", "User created"
    USER_CHANGED = "accounts.user_changed", "User changed"
    USERS_VIEWED = "accounts.users_viewed", "Users list viewed"
    ROLE_GRANTED = "accounts.role_granted", "Role granted"
    ROLE_REVOKED = "accounts.role_revoked", "Role revoked"
    # Hub configuration
    HUB_PRESET_APPLIED = "hub.preset_applied", "Hub model preset applied"
    HUB_SETTINGS_CHANGED = "hub.settings_changed", "Hub settings changed"
    AGENCY_CREATED = "hub.agency_created", "Agency created"
    AGENCY_CHANGED = "hub.agency_changed", "Agency changed"
    RAG_RESPONSE_TIME_CHANGED = "hub.rag_response_time_changed", "RAG response time changed"
    THRESHOLD_LEVEL_CHANGED = "hub.threshold_level_changed", "Threshold level changed"
    THRESHOLD_INDICATOR_ADDED = "hub.threshold_indicator_added", "Threshold indicator added"
    THRESHOLD_INDICATOR_REMOVED = "hub.threshold_indicator_removed", "Threshold indicator removed"
    CLOSURE_DAY_ADDED = "hub.closure_day_added", "Closure day added"
    CLOSURE_DAY_REMOVED = "hub.closure_day_removed", "Closure day removed"
    # The audit trail itself
    AUDIT_VIEWED = "audit.viewed", "Audit trail viewed"
    AUDIT_VERIFIED = "audit.verified", "Audit chain verified"
    # Referrals and cases
    REFERRAL_RECEIVED = "referrals.received", "Referral received"
    REFERRAL_VIEWED = "referrals.viewed", "Referral viewed"
    CASE_VIEWED = "cases.viewed", "Case viewed"
    CASE_SCREENED = "cases.screened", "Case screened"
    CASE_STATUS_CHANGED = "cases.status_changed", "Case status changed"
    CASE_RERATED = "cases.rerated", "Case RAG rating changed"
    QUEUE_VIEWED = "cases.queue_viewed", "Work queue viewed"
    # Information requests
    REQUEST_SENT = "enquiries.sent", "Information request sent"
    REQUEST_TAKEN = "enquiries.taken", "Information request taken"
    REQUEST_VIEWED = "enquiries.viewed", "Information request viewed"
    RETURN_SAVED = "enquiries.return_saved", "Return saved as draft"
    RETURN_SUBMITTED = "enquiries.returned", "Information returned"
    NIL_RETURN = "enquiries.nil_return", "Nil return: not known to this agency"
    REQUEST_OVERDUE = "enquiries.overdue", "Information request overdue"
    # Decisions and feedback
    DECISION_RECORDED = "decisions.recorded", "Decision recorded"
    DECISION_VIEWED = "decisions.viewed", "Decision viewed"
    OUTCOME_SENT = "feedback.sent", "Outcome sent"
    OUTCOME_SEND_FAILED = "feedback.failed", "Outcome could not be sent"
    OUTCOME_NOTE_DOWNLOADED = "feedback.note_downloaded", "Outcome note downloaded"
    OUTCOME_VIEWED = "feedback.viewed", "Outcome viewed"
    # Consent, lawful basis and disclosure
    CONSENT_RECORDED = "consent.recorded", "Consent recorded"
    CONSENT_WITHDRAWN = "consent.withdrawn", "Consent withdrawn"
    LAWFUL_BASIS_RECORDED = "consent.lawful_basis", "Lawful basis to proceed without consent recorded"
    GATE_ALLOWED = "consent.gate_allowed", "Sharing gate allowed"
    GATE_REFUSED = "consent.gate_refused", "Sharing gate refused"
    REQUEST_BLOCKED = "enquiries.blocked", "Information request blocked by the sharing gate"
    REQUEST_UNBLOCKED = "enquiries.unblocked", "Information request unblocked"
    WITHHELD = "consent.withheld", "Decision not to share recorded"
    TRANSPARENCY_REPORT = "consent.transparency_report", "Transparency report produced"
    DISCLOSURES_VIEWED = "consent.disclosures_viewed", "Disclosure log viewed"
    # People on a case
    PERSON_ADDED = "people.person_added", "Person added to a case"
    PERSON_CHANGED = "people.person_changed", "Person's details changed"
    RELATIONSHIP_ADDED = "people.relationship_added", "Relationship recorded"
    RELATIONSHIP_REMOVED = "people.relationship_removed", "Relationship removed"
    HOUSEHOLD_SAVED = "people.household_saved", "Household recorded"
    IDENTIFIER_ADDED = "people.identifier_added", "Identifier recorded"
    ADDRESS_ADDED = "people.address_added", "Address recorded"
    PEOPLE_VIEWED = "people.viewed", "People and relationships viewed"
    GENOGRAM_VIEWED = "people.genogram_viewed", "Genogram viewed"
    # The collated picture
    CHRONOLOGY_VIEWED = "chronology.viewed", "Chronology viewed"
    CHRONOLOGY_EXPORTED = "chronology.exported", "Chronology exported"
    # Synthetic data
    DEMO_LOADED = "synth.demo_loaded", "Synthetic demo area loaded"
