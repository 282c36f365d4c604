"""Who signs in: users and passwords, bearer tokens."""
