"""The owner control app (FastAPI): login, dashboard, pause/resume/flatten, arming, audit log."""
