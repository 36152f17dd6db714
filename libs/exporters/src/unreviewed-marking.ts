/**
 * Text of the mark an export carries when it holds items nobody approved
 * (`?include=all`). Each format carries it where the format allows: a comment
 * (shell, plist, auditd rules), a top-level field (JSON) or the Reason column
 * of every row (CSV, which has no comments). Approved-only exports carry none.
 */
export const UNREVIEWED_MARK = 'UNREVIEWED: this export includes pending, rejected and snoozed recommendations that no reviewer approved; do not deploy it';

/** Prefix of each CSV row's Reason when the sheet is unreviewed. */
export const UNREVIEWED_REASON_PREFIX = 'UNREVIEWED (not approved): ';

/** Top-level JSON key of the mark; `fleettune` prefix so it cannot collide with a vendor key. */
export const UNREVIEWED_JSON_KEY = 'fleettuneReview';
