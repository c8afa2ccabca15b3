"""Turn results into text: tables, JSON. No arithmetic here beyond formatting."""
