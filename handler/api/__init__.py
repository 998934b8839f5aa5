"""The HTTP layer: parses and validates requests, calls a use case, shapes the response.

The route modules (and identity.py) do without `from __future__ import annotations` on purpose:
Powertools resolves a route's `Depends()` parameters with `typing.get_type_hints` on every request,
and string annotations cost it a compile and an eval each time (about 60 us a request, measured).
"""
