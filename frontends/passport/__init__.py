"""Passport photos read on this machine (Tesseract): the machine-readable zone found, read and repaired;
the payload both front ends send to Rasa."""
