"""Use cases: plain functions taking the caller's id, knowing nothing of API Gateway or Lambda."""
