"""What users talk to: the Telegram bot and the terminal chat, both clients of Rasa's REST channel
(`rasa_client`), with what they share (passport photos read locally, `/lang`)."""
