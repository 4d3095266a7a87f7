"""The options domain: OCC symbols, NYSE sessions, instruments, index options, pricing.

Imports nothing of Tradefly's above it; adapters, the catalog, strategies, actors and the
command line build on it.
"""
