"""The territory: the grid tree, locating a point in it, and a user's scope (a subtree)."""
