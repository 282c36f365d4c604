"""Four-level early warnings (issue 13): their workflow, recipients, SMS text and CAP 1.2 messages."""
