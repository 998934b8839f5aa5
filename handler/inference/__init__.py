"""How a model is called: Amazon Bedrock, or the deterministic offline stand-in. No agent lives here."""
