"""Pure ``parse_*`` functions from Alpha Vantage schema structs to Nautilus objects."""
