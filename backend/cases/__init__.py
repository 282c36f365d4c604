"""Cases: the workflow, intake and its group commit, routing, duplicates, the time-limit sweeper, and the
case queries that the API and the screens share."""
