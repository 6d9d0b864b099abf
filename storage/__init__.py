"""segbot's segmentation service and its persistence.

Nothing here knows about Slack: functions take plain values and a SQLAlchemy session
(one unit of work) and return plain values or raise :class:`storage.errors.SegbotError`.
"""
