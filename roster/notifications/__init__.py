"""
Notifications: every message Trực Ban sends to agents and directors, by SMS or email.

A message flows one way. Something happens — a shift comes near (reminders), a published
roster changes or a leave is decided (changes), places stay empty (gaps), a line misses
calls (missed_calls), a shift under way lacks its agents (escalation) — and its module has
messages build the Notification rows. The rows wait in the outbox, which claims, sends,
retries and falls back to another channel; an SMS leaves through the gateway SMS_BACKEND
names (gateways), an email through Django's EMAIL_BACKEND.
"""
