"""Agents: each folder holds one agent's prompt, output shape and offline behaviour together."""
