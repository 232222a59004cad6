"""Reminders: rules swept on a schedule, an inbox for everyone, and delivery by e-mail or chat webhook."""
