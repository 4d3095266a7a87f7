"""Options strategies (Nautilus ``Strategy`` subclasses) over a shared toolkit."""
