"""Open311 GeoReport v2 under /open311/v2: the views, and the JSON and XML they answer in."""
from backend.open311.views import blueprint

__all__ = ["blueprint"]
