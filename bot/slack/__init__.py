"""The Slack adapter: Slack payloads in, questions to the engine, Block Kit out."""
