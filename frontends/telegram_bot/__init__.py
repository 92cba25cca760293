"""The Telegram front end (python-telegram-bot 22): handlers, rendering, callbacks, the notification
outbox relay and the daily reminder job."""
