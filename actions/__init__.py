"""Rasa custom actions: thin adapters from the dialogue to the residency domain (parse, call, render).

Modules: common (plumbing), services (quotes, confirmation), forms (one validation action per service
form), prompts (the forms' questions), inquiries (inquiries and reports), conversation (greet, help,
cancel, questions in the middle of a form), render (Arabic wording).
"""
