"""Web API URL patterns (/api/v1/…, /api/schema/, /api/docs/)."""

urlpatterns: list = []
