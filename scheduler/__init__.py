"""Scheduler: sweeps for due work (reminders, escalations); not built yet."""
