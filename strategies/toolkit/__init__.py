"""Options toolkit shared by strategies: chain snapshots, selection, exits, fills."""
