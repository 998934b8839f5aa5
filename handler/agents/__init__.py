"""The agents: each folder holds one agent's call (agent.py), what it is told (prompt.py), what it
answers (schema.py) and how the offline model plays it (offline.py). How a model is called is
handler.inference's business."""
