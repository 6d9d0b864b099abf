"""Pure ``build_*`` functions turning service values into Block Kit, within Slack's limits."""
