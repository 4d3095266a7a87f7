"""Inline SVG charts shared by the backtest's HTML report and the control app's pages.

Imports nothing of ours.
"""
