"""The web API (/api/v1/): views, serializers, request guards and URLs."""
