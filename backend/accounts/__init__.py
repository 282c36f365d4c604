"""Who signs in and what they may do: users and passwords, bearer tokens, roles and their capabilities."""
