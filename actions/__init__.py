"""Rasa custom actions: thin adapters from the dialogue to the residency domain (parse, call, render).

Modules: common (plumbing), services (quotes), confirm_step (what a message means while a quote waits;
its words in confirmation_words.yml), forms (one validation action per service
form), prompts (the forms' questions), inquiries (inquiries and reports), conversation (greet, help,
cancel, questions in the middle of a form), render (Arabic wording).
"""
