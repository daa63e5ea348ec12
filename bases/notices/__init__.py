"""Notices (站内消息) and reminders: the message centre, and the same notices by e-mail and
SMS for those who want them. `bases` owns them; reporting's events call its services."""
