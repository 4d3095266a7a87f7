"""The control app's routers: login and sessions, pages, owner actions."""
