"""Tradefly: the command line and the shared options domain (OCC symbols, sessions, instruments)."""
