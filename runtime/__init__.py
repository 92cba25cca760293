"""The runtime: the `muqeem` command, starting and supervising the servers (Rasa, action server,
HAProxy for replicas), the endpoints they get, the patches to Rasa, the guarded REST channel and action
server, and the secret shared by every hop."""
