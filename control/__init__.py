"""The owner's control app (FastAPI, ``tradefly control``): login, pages, owner commands, audit.

It reads the node's state store and writes owner commands into it; the node's risk guard
applies them (see the README's *Control app*). Switching between paper and live is not an app
action: ``tradefly live --arm-live`` does it at the node's start.
"""
