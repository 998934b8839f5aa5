import pytest


@pytest.fixture(autouse=True)
def _migrated_database(test_database: str) -> str:
    """Every integration test talks to the session's migrated database."""
    return test_database
