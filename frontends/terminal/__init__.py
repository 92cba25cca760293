"""The terminal chat (`muqeem chat`): the same conversation as on Telegram, in a terminal."""
