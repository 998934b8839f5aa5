"""What tests share that is not a fixture: API Gateway events, invoking the function, the image harness.

Imported by tests and benchmarks alike, as a package (tests/conftest.py holds only fixtures).
"""
