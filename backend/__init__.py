"""Everything that is true without a screen: models, services, queries.

Nothing in this package imports Dash.
"""
