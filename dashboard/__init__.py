"""The command centre application: configuration, the Dash app on its Flask server, Socket.IO.

`dashboard.app.create_app(config)` builds it; `python -m dashboard` runs it.
"""
