"""The residency domain: establishments, residents, visas, fees and the services that change them.

Nothing here imports Rasa or Telegram; callers (actions, CLI, bot reminders) go through `services`.
"""
