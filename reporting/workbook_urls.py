"""URL patterns for workbook downloads, uploads and imports (included by reporting/urls.py)."""

urlpatterns: list = []
