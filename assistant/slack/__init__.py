"""The Slack adapter: a Bolt app whose listeners parse an event, call a core service and render Block Kit.

Only this package (and ``assistant.cli.slack``) imports ``slack_bolt`` / ``slack_sdk``; services never see Slack.
"""
