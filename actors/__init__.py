"""Nautilus actors: risk guard, equity milestones, trade journal, signals, control bridge."""
