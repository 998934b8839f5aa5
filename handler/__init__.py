"""Diary orchestrator: the Lambda function behind the diary app's API."""
