"""Stand-ins for Slack that the tests and the benchmarks drive segbot with.

``slack_api``: a fake Slack Web API on loopback that records every call; ``socket_mode``: a local
server that speaks Slack's Socket Mode protocol; ``slack_harness``: signed Slack payloads pushed
to the running HTTP app, as Slack would send them.
"""
