"""Community moderation and insight assistant for Slack: local models, explainable judgments."""
